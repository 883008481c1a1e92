// expvec.go: e^(x - shift) over a slice with its sum, the inner loop of
// softmax and cross-entropy rows. The amd64 build runs 8 lanes of the
// same range reduction and polynomial as exp32 (AVX2/FMA, expvec_amd64.s);
// results agree with exp32 to 2 ulp.

package tensor

// expShiftSumGo is the portable kernel and the reference of the
// assembly: dst[i] = exp32(src[i] - shift), returning Σ dst[i] in float64.
func expShiftSumGo(dst, src []float32, shift float32) float64 {
	dst = dst[:len(src)]
	var s float64
	for i, v := range src {
		e := exp32(v - shift)
		dst[i] = e
		s += float64(e)
	}
	return s
}

// expShiftSum sets dst[i] = e^(src[i] - shift) and returns the float64 sum
// of dst. shift must be at least max(src) (a softmax's row maximum), so
// that no result overflows; a NaN shift (a row holding NaN) gives NaN.
func expShiftSum(dst, src []float32, shift float32) float64 {
	if shift != shift {
		return expShiftSumGo(dst, src, shift)
	}
	return expShiftSumArch(dst, src, shift)
}
