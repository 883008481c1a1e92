// Without assembly (other architectures, or the purego tag) expShiftSum
// is the portable loop.

//go:build !amd64 || purego

package tensor

func expShiftSumArch(dst, src []float32, shift float32) float64 {
	return expShiftSumGo(dst, src, shift)
}
