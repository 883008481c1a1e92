// Dot and Axpy (assembly where available) against float64 references,
// at every length around the 8- and 32-element blocks.

package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDotAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 75; n++ {
		a, b := make([]float32, n), make([]float32, n+3)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		var want, mag float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
			mag += math.Abs(float64(a[i]) * float64(b[i]))
		}
		for name, f := range map[string]func(a, b []float32) float32{"Dot": Dot, "DotGo": DotGo} {
			if got := float64(f(a, b)); math.Abs(got-want) > 1e-6*mag+1e-7 {
				t.Fatalf("%s n=%d: %v, want %v", name, n, got, want)
			}
		}
		for name, f := range map[string]func(float32, []float32, []float32){"Axpy": Axpy, "AxpyGo": AxpyGo} {
			y := append([]float32(nil), b...)
			f(0.75, a, y)
			for i := range y {
				w := float64(b[i])
				if i < n {
					w += 0.75 * float64(a[i])
				}
				if math.Abs(float64(y[i])-w) > 1e-6*(1+math.Abs(w)) {
					t.Fatalf("%s n=%d: y[%d] = %v, want %v (elements past len(x) must stay)", name, n, i, y[i], w)
				}
			}
		}
	}
}

// TestRowsEqualPerKeyCalls: DotRows and AxpyRows give, bit for bit, what
// a loop of Dot and Axpy calls gives, at head sizes on and off the
// assembly's multiples of 8, with zero, negative-zero and NaN weights.
func TestRowsEqualPerKeyCalls(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, hs := range []int{1, 4, 8, 16, 24, 32, 40, 64, 72, 100} {
		for _, n := range []int{1, 2, 7, 45} {
			stride := hs + 5
			q, k := make([]float32, hs), make([]float32, (n-1)*stride+hs)
			for i := range q {
				q[i] = float32(r.NormFloat64())
			}
			for i := range k {
				k[i] = float32(r.NormFloat64())
			}
			got, want := make([]float32, n), make([]float32, n)
			DotRows(0.25, q, k, stride, got)
			for i := range want {
				want[i] = 0.25 * Dot(q, k[i*stride:][:hs])
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("DotRows hs=%d n=%d key %d: %v, per-key Dot %v", hs, n, i, got[i], want[i])
				}
			}
			p := make([]float32, n)
			for i := range p {
				switch i % 4 {
				case 1:
					p[i] = 0
				case 2:
					p[i] = float32(math.Copysign(0, -1))
				default:
					p[i] = float32(r.Float64())
				}
			}
			if n == 45 {
				p[44] = float32(math.NaN())
			}
			og, ow := make([]float32, hs), make([]float32, hs)
			for i := range og {
				og[i] = float32(r.NormFloat64())
				ow[i] = og[i]
			}
			AxpyRows(p, k, stride, og)
			for i, pi := range p {
				if pi != 0 {
					Axpy(pi, k[i*stride:][:hs], ow)
				}
			}
			for i := range og {
				if math.Float32bits(og[i]) != math.Float32bits(ow[i]) && !(math.IsNaN(float64(og[i])) && math.IsNaN(float64(ow[i]))) {
					t.Fatalf("AxpyRows hs=%d n=%d column %d: %v, per-key Axpy %v", hs, n, i, og[i], ow[i])
				}
			}
		}
	}
}

// TestMaxSumF64 checks Max (NaN anywhere wins), SumF64 and SumSqF64 (float64
// accumulation, any order: within 1e-12 relative of an exact-order sum).
func TestMaxSumF64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 70; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 10)
		}
		want := float32(math.Inf(-1))
		var sum, mag float64
		for _, v := range x {
			want = max(want, v)
			sum += float64(v)
			mag += math.Abs(float64(v))
		}
		if got := Max(x); got != want {
			t.Fatalf("Max n=%d: %v, want %v", n, got, want)
		}
		if got := SumF64(x); math.Abs(got-sum) > 1e-12*mag {
			t.Fatalf("SumF64 n=%d: %v, want %v", n, got, sum)
		}
		var sq float64
		for _, v := range x {
			sq += float64(v) * float64(v)
		}
		if got := SumSqF64(x); math.Abs(got-sq) > 1e-12*sq {
			t.Fatalf("SumSqF64 n=%d: %v, want %v", n, got, sq)
		}
		for i := 0; i < n; i += 5 {
			y := append([]float32(nil), x...)
			y[i] = float32(math.NaN())
			if got := Max(y); !math.IsNaN(float64(got)) {
				t.Fatalf("Max n=%d with NaN at %d: %v", n, i, got)
			}
		}
	}
}

// TestScale: Scale multiplies exactly as the scalar expression does.
func TestScale(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 40; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		y := append([]float32(nil), x...)
		Scale(0.3, y)
		for i := range x {
			if want := x[i] * 0.3; math.Float32bits(y[i]) != math.Float32bits(want) {
				t.Fatalf("Scale n=%d [%d]: %v, want %v", n, i, y[i], want)
			}
		}
	}
}

// TestDotF64SubMul: DotF64 within 1e-12 of the in-order float64 sum of the
// exact products (its order is its own), SubMul bit for bit the scalar
// expression, at lengths around the vector width.
func TestDotF64SubMul(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 70; n++ {
		a, b := make([]float32, n), make([]float32, n+3)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64() * 5)
		}
		var dot, mag float64
		for i, v := range a {
			dot += float64(v) * float64(b[i])
			mag += math.Abs(float64(v) * float64(b[i]))
		}
		if got := DotF64(a, b); math.Abs(got-dot) > 1e-12*mag {
			t.Fatalf("DotF64 n=%d: %v, want %v", n, got, dot)
		}
		c := float32(r.NormFloat64())
		d := append([]float32(nil), b[:n]...)
		SubMul(d, a, c)
		for i := range d {
			if want := a[i] * (b[i] - c); math.Float32bits(d[i]) != math.Float32bits(want) {
				t.Fatalf("SubMul n=%d: element %d is %v, want %v", n, i, d[i], want)
			}
		}
	}
}
