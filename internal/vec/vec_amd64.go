// Dispatch to the AVX2/FMA assembly of vec_amd64.s when the CPU and OS
// support it (golang.org/x/sys/cpu), to portable Go otherwise.

//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

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
	s := dotAVX2(&a[0], &b[0], m)
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
