package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestDropoutKernelsMatchScalar runs every dropout kernel this CPU has
// against dropoutGo, bit for bit, over lengths with and without a tail,
// offsets (the pool's chunks start mid-tensor), seeds and rates, the
// extremes of the threshold included.
func TestDropoutKernelsMatchScalar(t *testing.T) {
	ks := supportedISAs()
	t.Logf("dropout kernels on this CPU: %v", ks)
	ps := []float32{0, 0.05, 0.3, 0.5, 0.999, math.Nextafter32(0.5, 0), 1 - 1.0/(1<<24)}
	for _, k := range ks {
		for _, n := range []int{1, 7, 8, 15, 16, 17, 33, 1000} {
			for _, start := range []int{0, 5, 1 << 20} {
				for si, seed := range []uint64{0, 1, 0xdeadbeefcafef00d} {
					for _, p := range ps {
						x := make([]float32, n)
						for i := range x {
							x[i] = float32(i%13) - 6.5
						}
						x[0] = float32(math.Inf(1))
						wo, wm := make([]float32, n), make([]float32, n)
						dropoutGo(wo, wm, x, seed, start, p)
						o, m := make([]float32, n), make([]float32, n)
						dropoutWith(k, o, m, x, seed, start, p)
						for i := range o {
							if math.Float32bits(m[i]) != math.Float32bits(wm[i]) ||
								math.Float32bits(o[i]) != math.Float32bits(wo[i]) && !(o[i] != o[i] && wo[i] != wo[i]) {
								t.Fatalf("%s n=%d start=%d seed#%d p=%v: element %d mask %v out %v, want %v %v",
									k, n, start, si, p, i, m[i], o[i], wm[i], wo[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestDropoutRate checks the draw itself: over many elements the dropped
// share is p within a few standard deviations, for each kernel.
func TestDropoutRate(t *testing.T) {
	const n = 1 << 16
	x := make([]float32, n)
	for i := range x {
		x[i] = 1
	}
	for _, k := range supportedISAs() {
		for _, p := range []float32{0.05, 0.5} {
			o, m := make([]float32, n), make([]float32, n)
			dropoutWith(k, o, m, x, 42, 0, p)
			dropped := 0
			for _, v := range m {
				if v == 0 {
					dropped++
				}
			}
			sd := math.Sqrt(float64(n) * float64(p) * float64(1-p))
			if d := math.Abs(float64(dropped) - float64(n)*float64(p)); d > 5*sd {
				t.Errorf("%s p=%v: %d of %d dropped", k, p, dropped, n)
			}
		}
	}
}

// BenchmarkDropout/KERNEL/n=N: one DropoutForward-sized slice on one thread.
func BenchmarkDropout(b *testing.B) {
	for _, k := range supportedISAs() {
		for _, n := range []int{1 << 12, 1 << 18} {
			b.Run(fmt.Sprintf("%v/n=%d", k, n), func(b *testing.B) {
				x, o, m := make([]float32, n), make([]float32, n), make([]float32, n)
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					dropoutWith(k, o, m, x, 7, 0, 0.1)
				}
			})
		}
	}
}
