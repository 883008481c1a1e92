// Package half converts between 32-bit floats and the two 16-bit float
// formats found in model checkpoints: IEEE 754 binary16 ("F16", "half") and
// bfloat16 ("BF16", the upper 16 bits of a binary32).
//
// Scalar conversions:
//
//   - BF16ToF32 is exact (a shift).
//   - F32ToBF16 rounds to nearest, ties to even. Values past the largest
//     finite bfloat16 round to ±Inf, as IEEE rounding requires. A NaN stays a
//     NaN with its sign and the upper payload bits, and is always returned
//     quiet (bit 6 of the bfloat16 set), so that no NaN is ever turned into an
//     infinity by truncating its payload.
//   - F16ToF32 is exact; F32ToF16 rounds to nearest, ties to even, produces
//     subnormals and ±Inf as IEEE requires, and returns NaNs quiet. Both are
//     github.com/x448/float16 underneath.
//
// Slice conversions decode or encode little-endian raw bytes (the byte order
// of safetensors and GGUF files) regardless of the host's byte order:
//
//	DecodeBF16(dst []float32, src []byte)  // len(src) == 2*len(dst)
//	DecodeF16(dst []float32, src []byte)   // len(src) == 2*len(dst)
//	DecodeF32(dst []float32, src []byte)   // len(src) == 4*len(dst)
//	EncodeBF16(dst []byte, src []float32)  // len(dst) == 2*len(src)
//	EncodeF16(dst []byte, src []float32)   // len(dst) == 2*len(src)
//	EncodeF32(dst []byte, src []float32)   // len(dst) == 4*len(src)
//
// RoundBF16(dst []uint16, src []float32) rounds a whole slice as F32ToBF16
// does, bit for bit, sixteen values at a time in AVX2 on amd64 CPUs that
// have it (the BF16 GEMM's float32 operands, BF16 tensors' uploads, the
// activations saved in BF16 for backward).
//
// A length mismatch is a programmer error and panics with a "half:" message.
// The slice functions allocate nothing (DecodeF16 builds a 256 KiB lookup
// table once, on first use) and are meant for gigabytes of weights:
// F32 on a little-endian host is a single memmove, BF16 a shift per element,
// F16 a table lookup per element.
package half
