// The test environment: random inputs, sentinel-padded tensors, transfers
// and comparison against float64 references.

package tensortest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
	"embrec/tensor/half"
)

// sentinel fills the padding around every tensor the suite creates.
const sentinel = float32(-12345.5)

const pad = 3 // elements of padding on each side

type env struct {
	t   *testing.T
	b   tensor.Backend
	tol Tolerances
	rng *rand.Rand
	all []*buf // every padded buffer, checked at the end of a case
}

// buf is a tensor placed at offset pad inside a sentinel-filled base.
type buf struct {
	base, t *tensor.Tensor
	name    string
}

func newEnv(t *testing.T, b tensor.Backend, tol Tolerances, seed uint64) *env {
	return &env{t: t, b: b, tol: tol, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

// randn returns n standard normal values rounded to float32.
func (e *env) randn(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float32(e.rng.NormFloat64()))
	}
	return v
}

// uniform returns n values uniform in [lo, hi) rounded to float32.
func (e *env) uniform(n int, lo, hi float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float32(lo + (hi-lo)*e.rng.Float64()))
	}
	return v
}

// tensor makes a padded tensor holding vals (nil: sentinel-filled, for an
// output that must be fully written).
func (e *env) tensor(name string, vals []float64, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if vals != nil && len(vals) != n {
		panic(fmt.Sprintf("tensortest: %d values for %s %v", len(vals), name, shape))
	}
	base := e.b.New(tensor.F32, n+2*pad)
	host := make([]float32, n+2*pad)
	for i := range host {
		host[i] = sentinel
	}
	for i, v := range vals {
		host[pad+i] = float32(v)
	}
	e.b.Upload(base, host)
	b := &buf{base: base, t: base.View(pad, shape...), name: name}
	e.all = append(e.all, b)
	return b.t
}

// read downloads t as float64.
func (e *env) read(t *tensor.Tensor) []float64 {
	h := make([]float32, t.Len())
	e.b.Download(h, t)
	out := make([]float64, len(h))
	for i, v := range h {
		out[i] = float64(v)
	}
	return out
}

// checkPadding fails for any buffer whose padding was written.
func (e *env) checkPadding() {
	e.t.Helper()
	for _, b := range e.all {
		h := make([]float32, b.base.Len())
		e.b.Download(h, b.base)
		n := b.t.Len()
		for i := 0; i < pad; i++ {
			if h[i] != sentinel || h[pad+n+i] != sentinel {
				e.t.Errorf("%s: padding around %s was overwritten (%v ... %v)", e.b.Name(), b.name, h[:pad], h[pad+n:])
				break
			}
		}
	}
	e.all = e.all[:0]
}

// compare checks got against ref with the named tolerance; mag gives the
// magnitude per element (nil: |ref|).
func (e *env) compare(what, tolName string, got, ref, mag []float64) {
	e.t.Helper()
	tol := e.tol.get(tolName)
	if len(got) != len(ref) {
		e.t.Fatalf("%s: %d values, want %d", what, len(got), len(ref))
	}
	bad := 0
	for i := range got {
		m := math.Abs(ref[i])
		if mag != nil {
			m = mag[i]
		}
		err := math.Abs(got[i] - ref[i])
		if !(err <= tol.Atol+tol.Rtol*m) { // also catches NaN
			if bad < 5 {
				e.t.Errorf("%s: element %d = %.9g, want %.9g (err %.3g > %.3g + %.3g*%.3g)",
					what, i, got[i], ref[i], err, tol.Atol, tol.Rtol, m)
			}
			bad++
		}
	}
	if bad > 5 {
		e.t.Errorf("%s: %d of %d elements out of tolerance", what, bad, len(got))
	}
}

// fdCheck spot-checks an analytic float64 gradient grad of f at x by
// central differences on k random coordinates.
func (e *env) fdCheck(what string, x []float64, grad []float64, f func() float64, k int) {
	e.t.Helper()
	if len(x) == 0 {
		return
	}
	for c := 0; c < k; c++ {
		i := e.rng.IntN(len(x))
		old := x[i]
		h := 1e-6 * math.Max(1, math.Abs(old))
		x[i] = old + h
		fp := f()
		x[i] = old - h
		fm := f()
		x[i] = old
		num := (fp - fm) / (2 * h)
		if math.Abs(num-grad[i]) > 1e-5*math.Max(1, math.Abs(num)) {
			e.t.Errorf("%s: reference gradient[%d] = %.9g, finite difference %.9g", what, i, grad[i], num)
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func abs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Abs(x)
	}
	return out
}

// tensorAs returns a copy of t in dtype dt (converted by the backend's
// Copy; no padding around it).
func (e *env) tensorAs(dt tensor.DType, t *tensor.Tensor) *tensor.Tensor {
	c := e.b.New(dt, t.Shape()...)
	e.b.Copy(c, t)
	return c
}

// sameBits fails unless got and want are the same values (NaNs included).
func (e *env) sameBits(what string, got, want []float64) {
	e.t.Helper()
	for i := range want {
		if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			e.t.Errorf("%s: element %d is %v, want %v", what, i, got[i], want[i])
			return
		}
	}
}

// roundBF16 returns v rounded to BF16 (to nearest even), as float64.
func roundBF16(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(half.BF16ToF32(half.F32ToBF16(float32(x))))
	}
	return out
}
