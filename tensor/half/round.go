// Rounding whole float32 slices to bfloat16, in AVX2 where the CPU has it.

package half

// RoundBF16 sets dst[i] to F32ToBF16(src[i]) (round to nearest even, NaNs
// quieted), bit for bit, sixteen values at a time in AVX2 on amd64 CPUs
// that have it. It panics unless len(dst) == len(src).
func RoundBF16(dst []uint16, src []float32) {
	if len(dst) != len(src) {
		panic("half: RoundBF16: dst and src lengths differ")
	}
	done := roundBF16Fast(dst, src)
	for i := done; i < len(src); i++ {
		dst[i] = F32ToBF16(src[i])
	}
}
