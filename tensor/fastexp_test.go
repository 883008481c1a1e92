// Accuracy of exp32 and tanh32 against math over their whole range.

package tensor

import (
	"math"
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
