// Benchmarks of the slice conversions on 4 Mi values (bytes/s = input bytes).

package half

import "testing"

const benchN = 4 << 20

func benchDecode(b *testing.B, width int, f func([]float32, []byte)) {
	src := make([]byte, width*benchN)
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]float32, benchN)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	f(dst, src) // warm any one-time table
	b.ResetTimer()
	for b.Loop() {
		f(dst, src)
	}
}

func benchEncode(b *testing.B, width int, f func([]byte, []float32)) {
	src := make([]float32, benchN)
	for i := range src {
		src[i] = float32(i) * 0.001
	}
	dst := make([]byte, width*benchN)
	b.SetBytes(int64(len(dst)))
	b.ReportAllocs()
	for b.Loop() {
		f(dst, src)
	}
}

func BenchmarkDecodeF32(b *testing.B)  { benchDecode(b, 4, DecodeF32) }
func BenchmarkDecodeF16(b *testing.B)  { benchDecode(b, 2, DecodeF16) }
func BenchmarkDecodeBF16(b *testing.B) { benchDecode(b, 2, DecodeBF16) }
func BenchmarkEncodeF32(b *testing.B)  { benchEncode(b, 4, EncodeF32) }
func BenchmarkEncodeF16(b *testing.B)  { benchEncode(b, 2, EncodeF16) }
func BenchmarkEncodeBF16(b *testing.B) { benchEncode(b, 2, EncodeBF16) }
