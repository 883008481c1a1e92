// Dispatch to the AVX2/FMA assembly of vec_amd64.s when the CPU and OS
// support it (golang.org/x/sys/cpu), to portable Go otherwise.

//go:build amd64 && !purego

package vec

import (
	"math"

	"golang.org/x/sys/cpu"
)

//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

//go:noescape
func sumSqF64AVX2(x *float32, n int) float64

//go:noescape
func scaleAVX2(alpha float32, x *float32, n int)

//go:noescape
func maxAVX2(x *float32, n int) (mx float32, nan bool)

//go:noescape
func sumF64AVX2(x *float32, n int) float64

//go:noescape
func dotF64AVX2(a, b *float32, n int) float64

//go:noescape
func subMulAVX2(d, p *float32, n int, c float32)

//go:noescape
func dotRowsAVX2(scale float32, q, k *float32, stride, n, hs int, out *float32)

//go:noescape
func axpyRowsAVX2(p, v *float32, stride, n, hs int, o *float32)

// HasAVX2 reports whether the assembly kernels are in use: AVX2 and FMA,
// with the OS saving the YMM state.
var HasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Dot returns Σ a[i]*b[i] over len(a) elements (b must be at least as long).
func Dot(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	if !HasAVX2 || n < 8 {
		return DotGo(a, b)
	}
	m := n &^ 7
	var s float32
	dotRowsAVX2(1, &a[0], &b[0], 0, 1, m, &s) // one row; times 1 is exact
	if m < n {
		s += DotGo(a[m:], b[m:])
	}
	return s
}

// Axpy sets y[i] += alpha*x[i] over len(x) elements.
func Axpy(alpha float32, x, y []float32) {
	n := len(x)
	y = y[:n]
	if !HasAVX2 || n < 8 {
		AxpyGo(alpha, x, y)
		return
	}
	m := n &^ 7
	axpyAVX2(alpha, &x[0], &y[0], m)
	if m < n {
		AxpyGo(alpha, x[m:], y[m:])
	}
}

// DotRows sets out[t] = scale * Dot(q, k[t*stride:][:len(q)]) for every t
// < len(out): the scores of one attention query against len(out) keys
// laid out stride floats apart. Equal, bit for bit, to those calls.
func DotRows(scale float32, q, k []float32, stride int, out []float32) {
	hs, n := len(q), len(out)
	if n == 0 {
		return
	}
	k = k[:(n-1)*stride+hs]
	if !HasAVX2 || hs%8 != 0 || hs == 0 {
		dotRowsGo(scale, q, k, stride, out)
		return
	}
	dotRowsAVX2(scale, &q[0], &k[0], stride, n, hs, &out[0])
}

// AxpyRows adds p[t] * v[t*stride:][:len(o)] to o for every t < len(p)
// with p[t] != 0, in order: an attention query's weighted sum of values.
// Equal, bit for bit, to Axpy(p[t], ...) called for each of those t.
func AxpyRows(p, v []float32, stride int, o []float32) {
	hs, n := len(o), len(p)
	if n == 0 {
		return
	}
	v = v[:(n-1)*stride+hs]
	if !HasAVX2 || hs%8 != 0 || hs == 0 {
		axpyRowsGo(p, v, stride, o)
		return
	}
	axpyRowsAVX2(&p[0], &v[0], stride, n, hs, &o[0])
}

// Max returns the largest element of x (-Inf for none, NaN if any is NaN).
func Max(x []float32) float32 {
	m := len(x) &^ 7
	if !HasAVX2 || m == 0 {
		return maxGo(x)
	}
	mx, nan := maxAVX2(&x[0], m)
	if nan {
		return float32(math.NaN())
	}
	return max(mx, maxGo(x[m:]))
}

// SumF64 returns Σ x[i], accumulated in float64 (in an order of its own:
// lanes of eight, then the tail).
func SumF64(x []float32) float64 {
	m := len(x) &^ 7
	if !HasAVX2 || m == 0 {
		return sumF64Go(x)
	}
	return sumF64AVX2(&x[0], m) + sumF64Go(x[m:])
}

// Scale sets x[i] *= alpha.
func Scale(alpha float32, x []float32) {
	m := len(x) &^ 7
	if !HasAVX2 {
		m = 0
	}
	if m > 0 {
		scaleAVX2(alpha, &x[0], m)
	}
	scaleGo(alpha, x[m:])
}

// SumSqF64 returns Σ x[i]², accumulated in float64 (in an order of its
// own: lanes of eight, then the tail).
func SumSqF64(x []float32) float64 {
	m := len(x) &^ 7
	if !HasAVX2 || m == 0 {
		return sumSqF64Go(x)
	}
	return sumSqF64AVX2(&x[0], m) + sumSqF64Go(x[m:])
}

// DotF64 returns Σ a[i]*b[i] over len(a) elements (b at least as long),
// accumulated in float64 (in an order of its own: lanes of eight, then the
// tail).
func DotF64(a, b []float32) float64 {
	m := len(a) &^ 7
	if !HasAVX2 || m == 0 {
		return dotF64Go(a, b)
	}
	b = b[:len(a)]
	return dotF64AVX2(&a[0], &b[0], m) + dotF64Go(a[m:], b[m:])
}

// SubMul sets d[i] = p[i] * (d[i] - c) for i < len(d) (p at least as
// long): a softmax row's backward, bit for bit the scalar expression.
func SubMul(d, p []float32, c float32) {
	m := len(d) &^ 7
	if !HasAVX2 {
		m = 0
	}
	p = p[:len(d)]
	if m > 0 {
		subMulAVX2(&d[0], &p[0], m, c)
	}
	subMulGo(d[m:], p[m:], c)
}
