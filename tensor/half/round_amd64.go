//go:build amd64 && !purego

package half

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 rounding loop; tests turn it off to compare.
var useAVX2 = cpu.X86.HasAVX2

// roundBF16x16 is in round_amd64.s: dst[i] = F32ToBF16(src[i]) for
// i < 16*blocks (AVX2).
//
//go:noescape
func roundBF16x16(dst *uint16, src *float32, blocks int)

// roundBF16Fast rounds the leading multiple of sixteen values of src in
// AVX2 and returns how many it rounded.
func roundBF16Fast(dst []uint16, src []float32) int {
	blocks := len(src) / 16
	if !useAVX2 || blocks == 0 {
		return 0
	}
	roundBF16x16(&dst[0], &src[0], blocks)
	return 16 * blocks
}
