// Scalar conversions between float32 and the bfloat16 / IEEE binary16 bit patterns.

package half

import (
	"math"

	"github.com/x448/float16"
)

// BF16ToF32 returns the float32 whose upper 16 bits are bits. It is exact.
func BF16ToF32(bits uint16) float32 {
	return math.Float32frombits(uint32(bits) << 16)
}

// F32ToBF16 rounds f to the nearest bfloat16, ties to even. NaNs come back
// quiet with their sign and upper payload bits kept.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 { // NaN
		return uint16(u>>16) | 0x0040
	}
	// Add 0x7fff plus the lowest kept bit: a remainder above one half carries
	// into the kept bits, exactly one half carries only when the kept value is
	// odd. A carry out of the largest finite value gives the infinity pattern.
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// F16ToF32 returns the float32 value of the IEEE binary16 bit pattern bits.
// It is exact; a NaN keeps its sign and payload.
func F16ToF32(bits uint16) float32 {
	return float16.Frombits(bits).Float32()
}

// F32ToF16 rounds f to the nearest IEEE binary16, ties to even; NaNs come
// back quiet.
func F32ToF16(f float32) uint16 {
	return float16.Fromfloat32(f).Bits()
}
