// GemmBF16 against the float64 product of the BF16-rounded operands, on
// every BF16 kernel this CPU runs (the VDPBF16PS pair kernel and the
// float32 fallbacks), float32 and BF16 sources, all layouts.

package gemm

import (
	"fmt"
	"math"
	"testing"

	"embrec/tensor/half"
)

// bf16Paths are the BF16 configurations under test, with production and
// tiny blocks (odd kc crosses pair boundaries for the pair kernels only
// in the last block, so the tiny pair blocking uses an even kc).
func bf16Paths() []config {
	var ps []config
	for _, c := range bf16Configs() {
		s := c
		s.name += "/small"
		s.mc, s.kc, s.nc = 2*c.mr, 8, 2*c.nr
		if !c.pairs {
			s.kc = 7
		}
		ps = append(ps, c, s)
	}
	return ps
}

func roundAll(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		if math.IsNaN(float64(v)) {
			out[i] = v
			continue
		}
		out[i] = half.BF16ToF32(half.F32ToBF16(v))
	}
	return out
}

func toBits(x []float32) []uint16 {
	out := make([]uint16, len(x))
	for i, v := range x {
		out[i] = half.F32ToBF16(v)
	}
	return out
}

// checkBF16 runs GemmBF16 on tc (operands from source f32 or bf16) and
// compares with the float64 product of the rounded operands, with
// Sgemm's tolerance.
func checkBF16(t *testing.T, name string, tc gemmCase, seed uint64, bitsA, bitsB bool) {
	t.Helper()
	a, b, c := tc.operands(seed)
	oa, ob := Operand{F32: a.data}, Operand{F32: b.data}
	if bitsA {
		oa = Operand{BF16: toBits(a.data)}
	}
	if bitsB {
		ob = Operand{BF16: toBits(b.data)}
	}
	checkBF16Call(t, fmt.Sprintf("%s %v A bits %v B bits %v", name, tc, bitsA, bitsB), tc, a, b, c, oa, ob)
}

// checkBF16Call runs GemmBF16 on tc with operands oa, ob (a and b's
// values, as float32 or BF16 bits) into c, and compares with the float64
// product of a and b rounded to BF16, with Sgemm's tolerance; C's
// padding must be untouched.
func checkBF16Call(t *testing.T, what string, tc gemmCase, a, b, c matrix, oa, ob Operand) {
	t.Helper()
	ra, rb := roundAll(a.data), roundAll(b.data)
	c0 := append([]float32(nil), c.data...)
	GemmBF16(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, oa, a.ld, ob, b.ld, tc.beta, c.data, c.ld)
	const u = 1.0 / (1 << 24)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var sum, abs float64
			for p := 0; p < tc.k; p++ {
				ia, ib := i*a.ld+p, p*b.ld+j
				if tc.transA {
					ia = p*a.ld + i
				}
				if tc.transB {
					ib = j*b.ld + p
				}
				x, y := ra[ia], rb[ib]
				sum += float64(x) * float64(y)
				abs += math.Abs(float64(x) * float64(y))
			}
			ref, absRef := float64(tc.alpha)*sum, math.Abs(float64(tc.alpha))*abs
			if tc.beta != 0 {
				bc := float64(tc.beta) * float64(c0[i*c.ld+j])
				ref += bc
				absRef += math.Abs(bc)
			}
			got := float64(c.data[i*c.ld+j])
			if tol := 2*float64(tc.k+2)*u*absRef + 1e-30; !(math.Abs(got-ref) <= tol) {
				if bad < 5 {
					t.Errorf("%s: C[%d,%d] = %g, want %g (tol %g)", what, i, j, got, ref, tol)
				}
				bad++
			}
		}
	}
	for idx, v := range c.data {
		i, j := idx/c.ld, idx%c.ld
		if (i >= tc.m || j >= tc.n) && math.Float32bits(v) != math.Float32bits(padC) {
			t.Fatalf("%s: C padding element %d changed to %g", what, idx, v)
		}
	}
}

func TestGemmBF16(t *testing.T) {
	for _, cfg := range bf16Paths() {
		for _, threads := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/threads=%d", cfg.name, threads), func(t *testing.T) {
				old := activeBF16
				activeBF16 = cfg
				SetThreads(threads)
				defer func() { activeBF16 = old; SetThreads(0) }()
				seed := uint64(1)
				for _, sz := range sizes {
					for lay := 0; lay < 4; lay++ {
						for src := 0; src < 4; src++ {
							if sz[0]*sz[1]*sz[2] > 50000 && src%3 != 0 {
								continue
							}
							ab := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2.5}, {1.5, 0}}[(src+lay)%4]
							tc := gemmCase{lay&2 != 0, lay&1 != 0, sz[0], sz[1], sz[2], ab[0], ab[1], (src + lay) % 3}
							checkBF16(t, cfg.name, tc, seed, src&1 != 0, src&2 != 0)
							seed++
						}
					}
				}
			})
		}
	}
}

// TestGemmBF16Wide crosses the production nc and kc of each BF16 kernel.
func TestGemmBF16Wide(t *testing.T) {
	for _, cfg := range bf16Configs() {
		old := activeBF16
		activeBF16 = cfg
		SetThreads(2)
		for lay := 0; lay < 4; lay++ {
			checkBF16(t, cfg.name, gemmCase{lay&2 != 0, lay&1 != 0, 13, 4100, 1030, 1, 0.5, 3}, uint64(lay), lay&1 != 0, lay&1 == 0)
		}
		activeBF16 = old
		SetThreads(0)
	}
}

// TestGemmBF16Rounds checks that operands are rounded (not truncated):
// 1+2^-8 is a BF16 tie that rounds to even (1), 1+3*2^-9 rounds up.
func TestGemmBF16Rounds(t *testing.T) {
	for _, cfg := range bf16Configs() {
		old := activeBF16
		activeBF16 = cfg
		a := []float32{1 + 1.0/256, 1 + 3.0/512}
		b := []float32{1, 1}
		c := make([]float32, 1)
		GemmBF16(false, false, 1, 1, 2, 1, Operand{F32: a}, 2, Operand{F32: b}, 1, 0, c, 1)
		if want := float32(1 + 1 + 1.0/128); c[0] != want {
			t.Errorf("%s: %g, want %g", cfg.name, c[0], want)
		}
		activeBF16 = old
	}
}

// TestInterleavePairs checks the pair interleave (assembly on amd64).
func TestInterleavePairs(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 32, 50} {
		a, b := make([]uint16, n), make([]uint16, n)
		for i := range a {
			a[i], b[i] = uint16(3*i+1), uint16(0x8000+i)
		}
		d := make([]float32, n+1)
		interleavePairs(d[:n], a, b)
		for x := 0; x < n; x++ {
			if got, want := math.Float32bits(d[x]), uint32(a[x])|uint32(b[x])<<16; got != want {
				t.Fatalf("n=%d: word %d = %#x, want %#x", n, x, got, want)
			}
		}
		if d[n] != 0 {
			t.Fatalf("n=%d: wrote past the end", n)
		}
	}
}

// TestGemmBF16Unaligned gives the pair packers BF16 operands that start at
// an odd element (no aligned 32-bit words: wordsOf refuses them) and odd
// leading dimensions, which must take the element-by-element path.
func TestGemmBF16Unaligned(t *testing.T) {
	for _, cfg := range bf16Configs() {
		old := activeBF16
		activeBF16 = cfg
		for _, lay := range []int{0, 1, 2, 3} {
			for _, odd := range []bool{false, true} {
				tc := gemmCase{lay&2 != 0, lay&1 != 0, 25, 70, 40, 1, 0, lay % 2} // odd leading dimensions for lay 1, 3
				a, b, c := tc.operands(uint64(lay))
				ha, hb := toBits(a.data), toBits(b.data)
				if odd { // shift both operands by one element
					ha, hb = append([]uint16{0}, ha...)[1:], append([]uint16{0}, hb...)[1:]
				}
				if got := wordsOf(ha) == nil; got != odd {
					t.Fatalf("wordsOf of a slice at an odd element: nil %v, want %v", got, odd)
				}
				checkBF16Call(t, fmt.Sprintf("%s %v odd %v", cfg.name, tc, odd), tc, a, b, c, Operand{BF16: ha}, Operand{BF16: hb})
			}
		}
		activeBF16 = old
	}
}

// TestInterleaveStrips checks the strip interleave (vector code on amd64)
// against the pair words computed one by one, and that it writes nothing
// between strips.
func TestInterleaveStrips(t *testing.T) {
	for _, w := range []int{12, 32} {
		for _, panels := range []int{0, 1, 2, 5} {
			a, b := make([]uint16, w*panels), make([]uint16, w*panels)
			for i := range a {
				a[i], b[i] = uint16(7*i+3), uint16(0x8001+5*i)
			}
			const stride = 45
			n := max(0, (panels-1)*stride+w)
			got, want := make([]float32, n), make([]float32, n)
			for i := range got {
				got[i], want[i] = -1, -1
			}
			interleaveStrips(got, make([]float32, w*panels), a, b, panels, w, stride)
			for q := 0; q < panels; q++ {
				for x := 0; x < w; x++ {
					want[q*stride+x] = word(a[q*w+x], b[q*w+x])
				}
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("width %d, panels %d: word %d = %#x, want %#x", w, panels, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
				}
			}
		}
	}
}
