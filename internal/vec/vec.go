// Package vec holds the dense float32 vector kernels shared by the CPU
// backend's few-row matmul and WALS's solvers: dot product and axpy, in
// AVX2/FMA assembly on amd64 CPUs that have it and portable Go (unrolled
// by 4 with independent accumulators) elsewhere or with the purego tag.
package vec

import "math"

// DotGo returns Σ a[i]*b[i] over len(a) elements (b must be at least as
// long), in portable Go.
func DotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// AxpyGo sets y[i] += alpha*x[i] over len(x) elements, in portable Go.
func AxpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// dotRowsGo is DotRows by calls to Dot.
func dotRowsGo(scale float32, q, k []float32, stride int, out []float32) {
	for t := range out {
		out[t] = scale * Dot(q, k[t*stride:][:len(q)])
	}
}

// axpyRowsGo is AxpyRows by calls to Axpy.
func axpyRowsGo(p, v []float32, stride int, o []float32) {
	for t, pt := range p {
		if pt != 0 {
			Axpy(pt, v[t*stride:][:len(o)], o)
		}
	}
}

// maxGo is Max in portable Go.
func maxGo(x []float32) float32 {
	mx := float32(math.Inf(-1))
	for _, v := range x {
		mx = max(mx, v)
	}
	return mx
}

// sumF64Go is SumF64 in portable Go, in order.
func sumF64Go(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

// scaleGo is Scale in portable Go.
func scaleGo(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// sumSqF64Go is SumSqF64 in portable Go, in order.
func sumSqF64Go(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// dotF64Go is DotF64 in portable Go, in order.
func dotF64Go(a, b []float32) float64 {
	var s float64
	b = b[:len(a)]
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// subMulGo is SubMul in portable Go.
func subMulGo(d, p []float32, c float32) {
	p = p[:len(d)]
	for i := range d {
		d[i] = p[i] * (d[i] - c)
	}
}
