package half

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRoundBF16 compares RoundBF16 (AVX2 where present) with F32ToBF16 on
// the edge patterns (zeros, denormals, ties, the largest finite values,
// infinities, NaNs with payloads) and a stride through all 2^32 patterns,
// at every length remainder.
func TestRoundBF16(t *testing.T) {
	var src []float32
	for _, u := range []uint32{0, 0x80000000, 1, 0x807fffff, 0x3f808000, 0x3f818000, 0x3f807fff,
		0x3f808001, 0x7f7fffff, 0xff7fffff, 0x7f7f8000, 0x7f800000, 0xff800000, 0x7f800001,
		0xffc00000, 0x7fbfffff, 0xff800001, 0x7fffffff, 0x00008000, 0x00018000} {
		src = append(src, math.Float32frombits(u))
	}
	for u := uint64(0); u < 1<<32; u += 65521 {
		src = append(src, math.Float32frombits(uint32(u)))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		src = append(src, math.Float32frombits(r.Uint32()))
	}
	for _, avx := range []bool{true, false} {
		old := useAVX2
		useAVX2 = useAVX2 && avx
		for _, n := range []int{0, 1, 15, 16, 17, 33, len(src)} {
			dst := make([]uint16, n+1)
			RoundBF16(dst[:n], src[:n])
			for i := 0; i < n; i++ {
				if want := F32ToBF16(src[i]); dst[i] != want {
					t.Fatalf("avx2 %v n %d: %#08x -> %#04x, want %#04x", useAVX2, n, math.Float32bits(src[i]), dst[i], want)
				}
			}
			if dst[n] != 0 {
				t.Fatalf("n %d: wrote past the end", n)
			}
		}
		useAVX2 = old
	}
}

func BenchmarkRoundBF16(b *testing.B) {
	src := make([]float32, 4096)
	for i := range src {
		src[i] = float32(i) * 1.37
	}
	dst := make([]uint16, len(src))
	b.SetBytes(int64(4 * len(src)))
	for b.Loop() {
		RoundBF16(dst, src)
	}
}
