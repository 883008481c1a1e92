//go:build amd64 && !purego

// The slice exp on amd64: the AVX-512 kernel (its tail under a mask) or the
// AVX2 one, as the level says, exp32 for the AVX2 kernel's tail and
// elsewhere.

package tensor

// expAffineAVX2 and expAffineAVX512 are in fastexp_amd64.s; n is a
// multiple of 8 for the first, any length for the second.
//
//go:noescape
func expAffineAVX2(dst, src *float32, n int, a, b float32)

//go:noescape
func expAffineAVX512(dst, src *float32, n int, a, b float32)

// expAffineWith is expAffine with level k's kernel for the body.
func expAffineWith(k vecISA, dst, src []float32, a, b float32) {
	dst = dst[:len(src)]
	n := 0
	switch k {
	case isaAVX512: // the tail under a mask
		n = len(src)
		if n > 0 {
			expAffineAVX512(&dst[0], &src[0], n, a, b)
		}
	case isaAVX2:
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
	if isa < isaAVX2 || n == 0 {
		return 0
	}
	if finish {
		geluFinishAVX2(&t[0], &x[0], n, geluK, geluC)
	} else {
		geluArgAVX2(&t[0], &x[0], n, geluK, geluC)
	}
	return n
}
