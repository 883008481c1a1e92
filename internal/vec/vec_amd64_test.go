//go:build amd64 && !purego

package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWithoutAVX2: with the assembly switched off (an amd64 CPU without
// AVX2 or FMA), every entry point still covers the whole slice: the
// portable loops, not just the tails the vector bodies leave.
func TestWithoutAVX2(t *testing.T) {
	defer func(h bool) { HasAVX2 = h }(HasAVX2)
	HasAVX2 = false
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 8, 13, 64} {
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		x := append([]float32(nil), a...)
		Scale(3, x)
		d := append([]float32(nil), b...)
		SubMul(d, a, 0.5)
		y := append([]float32(nil), b...)
		Axpy(2, a, y)
		for i := range a {
			if x[i] != 3*a[i] || d[i] != a[i]*(b[i]-0.5) || y[i] != b[i]+2*a[i] {
				t.Fatalf("n=%d element %d: Scale %v, SubMul %v, Axpy %v", n, i, x[i], d[i], y[i])
			}
		}
		if got, want := Dot(a, b), DotGo(a, b); got != want {
			t.Fatalf("n=%d: Dot %v, want %v", n, got, want)
		}
		if got, want := DotF64(a, b), dotF64Go(a, b); got != want {
			t.Fatalf("n=%d: DotF64 %v, want %v", n, got, want)
		}
		if got, want := SumF64(a), sumF64Go(a); got != want {
			t.Fatalf("n=%d: SumF64 %v, want %v", n, got, want)
		}
		if got, want := SumSqF64(a), sumSqF64Go(a); got != want {
			t.Fatalf("n=%d: SumSqF64 %v, want %v", n, got, want)
		}
		if got, want := Max(a), maxGo(a); got != want && !math.IsNaN(float64(got)) {
			t.Fatalf("n=%d: Max %v, want %v", n, got, want)
		}
	}
}
