// Accuracy of exp32 and tanh32 against math over their whole range.

package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExp32(t *testing.T) {
	worst := 0.0
	for x := float32(-87); x < 88.7; x += 0.00731 {
		got, want := float64(exp32(x)), math.Exp(float64(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 2.5e-7 { // 2 float32 ulp
		t.Errorf("exp32: worst relative error %.3g", worst)
	}
	if !math.IsInf(float64(exp32(100)), 1) || exp32(-100) != 0 || exp32(0) != 1 {
		t.Errorf("exp32 edge cases: %v %v %v", exp32(100), exp32(-100), exp32(0))
	}
	if nan := float32(math.NaN()); exp32(nan) == exp32(nan) {
		t.Error("exp32(NaN) is not NaN")
	}
	worst = 0
	for x := float32(-12); x < 12; x += 0.00137 {
		if d := math.Abs(float64(tanh32(x)) - math.Tanh(float64(x))); d > worst {
			worst = d
		}
	}
	if worst > 3e-7 {
		t.Errorf("tanh32: worst absolute error %.3g", worst)
	}
}

// BenchmarkExp times exp32 against the float64 math.Exp round trip it
// replaces, over 4096 arguments in [-8, 8).
func BenchmarkExp(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i)/256 - 8
	}
	for _, f := range []struct {
		name string
		exp  func(float32) float32
	}{
		{"exp32", exp32},
		{"math.Exp", func(v float32) float32 { return float32(math.Exp(float64(v))) }},
	} {
		b.Run(f.name, func(b *testing.B) {
			var s float32
			for b.Loop() {
				for _, v := range x {
					s += f.exp(v)
				}
			}
			_ = s
		})
	}
}

// TestExpAffine: the vector exp gives exp32's bits for a = 1 and -1, on
// ordinary arguments, the range limits, infinities, NaN and signed zeros,
// at every length around the vector width, with each kernel the CPU has.
func TestExpAffine(t *testing.T) {
	t.Logf("slice exp kernels on this CPU: %v", supportedISAs())
	r := rand.New(rand.NewPCG(3, 4))
	var x []float32
	for i := 0; i < 5000; i++ {
		x = append(x, float32(r.NormFloat64()*30))
	}
	x = append(x, 0, float32(math.Copysign(0, -1)), 88.72283, 88.72284, -87.33654, -87.33655, 100, -100,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30, 0.34657359, -0.34657359)
	for _, k := range append(vectorLevels(), "dispatch") {
		for _, ab := range [][2]float32{{1, 0}, {-1, 0}, {1, -3.5}, {1, 2}} {
			for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, len(x)} {
				src := x[len(x)-n:]
				buf := make([]float32, n+16) // a guard after dst: a masked tail must not write there
				for i := range buf {
					buf[i] = -7
				}
				dst := buf[:n]
				if k == "dispatch" {
					expAffine(dst, src, ab[0], ab[1])
				} else {
					expAffineWith(isaNamed(k), dst, src, ab[0], ab[1])
				}
				for i, v := range buf[n:] {
					if v != -7 {
						t.Fatalf("%s n=%d: element %d past the end written (%v)", k, n, n+i, v)
					}
				}
				for i, v := range src {
					want := exp32(ab[0]*v + ab[1])
					if math.Float32bits(dst[i]) != math.Float32bits(want) && !(want != want && dst[i] != dst[i]) {
						t.Fatalf("%s a=%g b=%g n=%d: exp(%g) = %g (%#x), exp32 %g (%#x)", k, ab[0], ab[1], n, v, dst[i], math.Float32bits(dst[i]), want, math.Float32bits(want))
					}
				}
			}
		}
	}
}

// BenchmarkExpAffine/KERNEL times the slice exp over 4096 arguments in
// [-8, 8) with each kernel.
func BenchmarkExpAffine(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i)/256 - 8
	}
	d := make([]float32, len(x))
	for _, k := range supportedISAs() {
		b.Run(k.String(), func(b *testing.B) {
			for b.Loop() {
				expAffineWith(k, d, x, 1, 0)
			}
		})
	}
}

// TestGeluTanhMatchesScalar: the blocked GELU tanh equals tanh32 of the
// scalar expression bit for bit, on both sides of the ±9 cut-offs, for
// NaN and ±Inf, and for lengths that leave a tail after the vector body.
func TestGeluTanhMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := []float32{0, -0, 1e-30, -1e-30, 3.4, -3.4, 4.1, -4.1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for len(x) < 1003 {
		x = append(x, float32(r.NormFloat64()*3))
	}
	for _, n := range []int{1, 7, 8, 9, 255, 256, len(x)} {
		got := geluTanh(make([]float32, n), x[:n])
		for i, v := range x[:n] {
			want := tanh32(geluC * (v + 0.044715*v*v*v))
			if math.Float32bits(got[i]) != math.Float32bits(want) && !(want != want && got[i] != got[i]) {
				t.Fatalf("n %d, x %v: blocked tanh %v, scalar %v", n, v, got[i], want)
			}
		}
	}
}

// isaNamed is the supported level of that name.
func isaNamed(name string) vecISA {
	for _, i := range supportedISAs() {
		if i.String() == name {
			return i
		}
	}
	panic("no vector level " + name)
}
