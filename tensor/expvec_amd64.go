// Dispatch of expShiftSum to the AVX2/FMA kernel of expvec_amd64.s when
// the CPU has it (internal/vec's run-time check), the portable loop
// otherwise and for the tail.

//go:build amd64 && !purego

package tensor

import "embrec/internal/vec"

// expShiftAVX2 handles n (a multiple of 8) elements and returns their sum.
//
//go:noescape
func expShiftAVX2(dst, src *float32, n int, shift float32) float64

func expShiftSumArch(dst, src []float32, shift float32) float64 {
	n := len(src)
	dst = dst[:n]
	m := n &^ 7
	if !vec.HasAVX2 || m == 0 {
		return expShiftSumGo(dst, src, shift)
	}
	s := expShiftAVX2(&dst[0], &src[0], m, shift)
	if m < n {
		s += expShiftSumGo(dst[m:], src[m:], shift)
	}
	return s
}
