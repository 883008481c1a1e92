//go:build amd64 && !purego

// expAffine on amd64: the AVX2 kernel where the CPU has AVX2, exp32 for
// the tail and elsewhere.

package tensor

import (
	"embrec/internal/vec"

	"golang.org/x/sys/cpu"
)

// expAffineAVX2 and expAffineAVX512 are in fastexp_amd64.s; n is a
// multiple of 8 for the first, any length for the second.
//
//go:noescape
func expAffineAVX2(dst, src *float32, n int, a, b float32)

//go:noescape
func expAffineAVX512(dst, src *float32, n int, a, b float32)

// hasExpAVX512 selects expAffineAVX512 (AVX512F alone).
var hasExpAVX512 = cpu.X86.HasAVX512F

// expKernels names the slice exp's kernels this CPU can run.
func expKernels() []string {
	ks := []string{"go"}
	if vec.HasAVX2 {
		ks = append(ks, "avx2")
	}
	if hasExpAVX512 {
		ks = append(ks, "avx512")
	}
	return ks
}

// expAffine sets dst[i] = exp32(a*src[i] + b) for i < len(src), bit for
// bit; a = 1 gives exp32(src[i] + b), a = -1, b = 0 exp32(-src[i]).
// dst may be src.
func expAffine(dst, src []float32, a, b float32) {
	switch {
	case hasExpAVX512:
		expAffineWith("avx512", dst, src, a, b)
	case vec.HasAVX2:
		expAffineWith("avx2", dst, src, a, b)
	default:
		expAffineWith("go", dst, src, a, b)
	}
}

// expAffineWith is expAffine with the named kernel for the body.
func expAffineWith(kernel string, dst, src []float32, a, b float32) {
	dst = dst[:len(src)]
	n := 0
	switch kernel {
	case "avx512": // the tail under a mask
		n = len(src)
		if n > 0 {
			expAffineAVX512(&dst[0], &src[0], n, a, b)
		}
	case "avx2":
		n = len(src) &^ 7
		if n > 0 {
			expAffineAVX2(&dst[0], &src[0], n, a, b)
		}
	}
	for i := n; i < len(src); i++ {
		dst[i] = exp32(a*src[i] + b)
	}
}

//go:noescape
func geluArgAVX2(t, x *float32, n int, k, c float32)

//go:noescape
func geluFinishAVX2(t, x *float32, n int, k, c float32)

// geluVector runs geluTanh's two passes around the exponentials on the
// first n elements of x (a multiple of 8) in AVX2 and returns n; 0 without
// AVX2. finish selects the second pass.
func geluVector(t, x []float32, finish bool) int {
	n := len(x) &^ 7
	if !vec.HasAVX2 || n == 0 {
		return 0
	}
	if finish {
		geluFinishAVX2(&t[0], &x[0], n, geluK, geluC)
	} else {
		geluArgAVX2(&t[0], &x[0], n, geluK, geluC)
	}
	return n
}
