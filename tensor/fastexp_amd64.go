//go:build amd64 && !purego

// expAffine on amd64: the AVX2 kernel where the CPU has AVX2, exp32 for
// the tail and elsewhere.

package tensor

import "embrec/internal/vec"

// expAffineAVX2 is in fastexp_amd64.s; n is a multiple of 8.
//
//go:noescape
func expAffineAVX2(dst, src *float32, n int, a, b float32)

// expAffine sets dst[i] = exp32(a*src[i] + b) for i < len(src), bit for
// bit; a = 1 gives exp32(src[i] + b), a = -1, b = 0 exp32(-src[i]).
// dst may be src.
func expAffine(dst, src []float32, a, b float32) {
	dst = dst[:len(src)]
	n := 0
	if vec.HasAVX2 {
		n = len(src) &^ 7
		if n > 0 {
			expAffineAVX2(&dst[0], &src[0], n, a, b)
		}
	}
	for i := n; i < len(src); i++ {
		dst[i] = exp32(a*src[i] + b)
	}
}
