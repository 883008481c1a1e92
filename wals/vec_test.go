// The vector kernels (assembly where available) against float64 references, and their benchmarks.

package wals

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The dispatching kernels (assembly where available) against a float64
// reference, for lengths around the 8/32/64 block boundaries; the output
// slices carry sentinels past their end that must stay untouched.
func TestVectorKernels(t *testing.T) {
	t.Logf("kernels: %s", KernelName())
	r := rand.New(rand.NewPCG(1, 2))
	vec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	for n := 0; n <= 140; n++ {
		a, b := vec(n), vec(n)
		want := 0.0
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		if got := dot(a, b); math.Abs(float64(got)-want) > 1e-5*float64(n+1) {
			t.Fatalf("dot n=%d: %g, want %g", n, got, want)
		}
		y := append(vec(n), 12345)
		y0 := append([]float32(nil), y...)
		axpy(0.75, a, y[:n])
		for i := 0; i < n; i++ {
			if w := float64(y0[i]) + 0.75*float64(a[i]); math.Abs(float64(y[i])-w) > 1e-5 {
				t.Fatalf("axpy n=%d i=%d: %g, want %g", n, i, y[i], w)
			}
		}
		if y[n] != 12345 {
			t.Fatalf("axpy n=%d wrote past the end", n)
		}
	}
	for _, k := range []int{1, 3, 8, 16, 24, 32, 40, 56, 64, 72, 96, 104, 128, 136} {
		g := vec(k * k)
		for a := 0; a < k; a++ { // symmetric
			for b := 0; b < a; b++ {
				g[a*k+b] = g[b*k+a]
			}
		}
		v := vec(k)
		out := append(make([]float32, k), -7)
		symv(out[:k], g, v)
		for a := 0; a < k; a++ {
			w := 0.0
			for b := 0; b < k; b++ {
				w += float64(g[a*k+b]) * float64(v[b])
			}
			if math.Abs(float64(out[a])-w) > 1e-4*float64(k) {
				t.Fatalf("symv k=%d row %d: %g, want %g", k, a, out[a], w)
			}
		}
		if out[k] != -7 {
			t.Fatalf("symv k=%d wrote past the end", k)
		}
	}
}

func BenchmarkKernels(b *testing.B) {
	const k = 64
	x := make([]float32, k)
	y := make([]float32, k)
	g := make([]float32, k*k)
	for i := range x {
		x[i], y[i] = 1, 2
	}
	b.Run("dot64", func(b *testing.B) {
		s := float32(0)
		for range b.N {
			s += dot(x, y)
		}
		_ = s
	})
	b.Run("axpy64", func(b *testing.B) {
		for range b.N {
			axpy(0.5, x, y)
		}
	})
	b.Run("symv64", func(b *testing.B) {
		for range b.N {
			symv(y, g, x)
		}
	})
	b.Run("symv64-go", func(b *testing.B) {
		for range b.N {
			symvGo(y, g, x)
		}
	})
}

func TestGemvT(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, rows := range []int{1, 2, 7, 64, 65} {
		for _, cols := range []int{1, 5, 8, 13, 32, 64, 72, 100, 135} {
			stride := cols + r.IntN(9)
			m := make([]float32, rows*stride)
			for i := range m {
				m[i] = float32(r.NormFloat64())
			}
			v := make([]float32, rows)
			for i := range v {
				v[i] = float32(r.NormFloat64())
			}
			out := append(make([]float32, cols), 99)
			gemvT(out[:cols], m, v, stride)
			for j := 0; j < cols; j++ {
				w := 0.0
				for a := 0; a < rows; a++ {
					w += float64(v[a]) * float64(m[a*stride+j])
				}
				if math.Abs(float64(out[j])-w) > 1e-4*float64(rows) {
					t.Fatalf("rows %d cols %d stride %d: out[%d] = %g, want %g", rows, cols, stride, j, out[j], w)
				}
			}
			if out[cols] != 99 {
				t.Fatalf("rows %d cols %d: wrote past the end", rows, cols)
			}
		}
	}
}

func TestAccum(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{3, 8, 16, 24, 64, 72} {
		const rows = 20
		y := make([]float32, rows*k)
		for i := range y {
			y[i] = float32(r.NormFloat64())
		}
		v := make([]float32, k)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		for _, n := range []int{0, 1, 5, 17} {
			cols := make([]int32, n)
			c0 := make([]float32, n)
			c1 := make([]float32, n)
			for j := range cols {
				cols[j] = int32(r.IntN(rows))
				c0[j], c1[j] = float32(r.NormFloat64()), float32(r.NormFloat64())
			}
			out := append(make([]float32, k), 42)
			want := make([]float64, k)
			for j, c := range cols {
				d := 0.0
				for a := 0; a < k; a++ {
					d += float64(y[int(c)*k+a]) * float64(v[a])
				}
				coef := float64(c0[j]) + float64(c1[j])*d
				for a := 0; a < k; a++ {
					want[a] += coef * float64(y[int(c)*k+a])
				}
			}
			accum(out[:k], v, y, cols, c0, c1)
			for a := 0; a < k; a++ {
				if math.Abs(float64(out[a])-want[a]) > 1e-3 {
					t.Fatalf("k %d n %d: out[%d] = %g, want %g", k, n, a, out[a], want[a])
				}
			}
			if out[k] != 42 {
				t.Fatalf("k %d n %d: wrote past the end", k, n)
			}
		}
	}
}
