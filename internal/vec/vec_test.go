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
