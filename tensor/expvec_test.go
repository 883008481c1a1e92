// Tests of expShiftSum against exp32 element by element: every lane
// position, the tail, values below expMin and -Inf, a NaN shift.

package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExpShiftSumMatchesExp32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 31, 100, 1027} {
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(rng.NormFloat64() * 30)
		}
		if n > 3 {
			src[1], src[2] = float32(math.Inf(-1)), -200 // zero, below expMin
		}
		shift := float32(math.Inf(-1))
		for _, v := range src {
			shift = max(shift, v)
		}
		dst := make([]float32, n)
		got := expShiftSum(dst, src, shift)
		var want float64
		for i, v := range src {
			e := exp32(v - shift)
			want += float64(e)
			if d := math.Abs(float64(dst[i] - e)); d > 2*ulp32(e) {
				t.Fatalf("n %d: e^(%v - %v) = %v, exp32 %v", n, v, shift, dst[i], e)
			}
		}
		if math.Abs(got-want) > 1e-6*want {
			t.Fatalf("n %d: sum %v, want %v", n, got, want)
		}
	}
	nan := float32(math.NaN())
	if s := expShiftSum(make([]float32, 16), make([]float32, 16), nan); !math.IsNaN(s) {
		t.Fatalf("NaN shift: sum %v, want NaN", s)
	}
}

// ulp32 is the spacing of float32 values at x (the smallest normal's for 0).
func ulp32(x float32) float64 {
	x = float32(math.Abs(float64(x)))
	if x < math.SmallestNonzeroFloat32*(1<<23) {
		return math.SmallestNonzeroFloat32
	}
	return float64(math.Nextafter32(x, float32(math.Inf(1))) - x)
}

func BenchmarkExpShiftSum4096(b *testing.B) {
	src, dst := make([]float32, 4096), make([]float32, 4096)
	for i := range src {
		src[i] = -float32(i%50) / 5
	}
	b.SetBytes(4 * 4096)
	for i := 0; i < b.N; i++ {
		expShiftSum(dst, src, 0)
	}
}
