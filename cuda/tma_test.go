// The TMA GEMM (v3g, v3h, v3l) beyond TestGEMMBF16's sweep: that its kernels,
// not the fallback, ran the products whose operands the TMA can read and
// the fallback ran the others, with results against float64; that the
// device table of tensor maps reuses a map for the same operand; and the
// emulator's encoding of the maps.

package cuda

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
	"embrec/tensor/half"
)

func TestGEMMTMA(t *testing.T) {
	b := newTestBackendOpts(t, Options{Profile: true})
	var variants []string // the TMA ones under test (EMBREC_TEST_GEMM)
	for _, v := range variantsUnderTest(t, b) {
		if bf16Variant(v).tma() {
			variants = append(variants, v)
		}
	}
	if len(variants) == 0 {
		t.Skipf("no TMA GEMM variant under test runs on %s", b.name)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	type tcase struct {
		m, n, k, batch, off int
		kernelPrefix        map[string]string // variant -> kernel prefix that must run
	}
	tma := map[string]string{"v3g": "gemm_tma_v3g", "v3h": "gemm_tma_v3h", "v3l": "gemm_tma_v3l"}
	plain := map[string]string{"v3g": "gemm_wgmma_v3a", "v3h": "gemm_wgmma_v3b", "v3l": "gemm_wgmma_v3k"}
	cases := []tcase{
		{136, 264, 72, 1, 0, tma},  // tails of M, N and K (rows a multiple of 16 bytes)
		{64, 128, 200, 2, 0, tma},  // batched: the maps' third dimension
		{128, 128, 520, 1, 0, tma}, // more k-tiles than stages: every stage reused
		{264, 392, 136, 2, 0, tma}, // several tiles in both directions, batched
		{72, 136, 64, 1, 1, plain}, // operands one element past 16-byte alignment: the TMA cannot read them
	}
	for _, c := range cases {
		for layout := 0; layout < 4; layout++ {
			ta, tb := layout&2 != 0, layout&1 != 0
			m, n, k, bt := c.m, c.n, c.k, c.batch
			ash, bsh := []int{bt, m, k}, []int{bt, k, n}
			if ta {
				ash = []int{bt, k, m}
			}
			if tb {
				bsh = []int{bt, n, k}
			}
			av, bv := make([]float32, bt*m*k), make([]float32, bt*k*n)
			for i := range av {
				av[i] = half.BF16ToF32(half.F32ToBF16(float32(rng.NormFloat64())))
			}
			for i := range bv {
				bv[i] = half.BF16ToF32(half.F32ToBF16(float32(rng.NormFloat64())))
			}
			want, mags := gemmRef(av, bv, ta, tb, bt, m, n, k)
			A := b.New(tensor.BF16, c.off+len(av)).View(c.off, ash...)
			B := b.New(tensor.BF16, c.off+len(bv)).View(c.off, bsh...)
			C := b.New(tensor.F32, bt, m, n)
			b.Upload(A, av)
			b.Upload(B, bv)
			for _, v := range variants {
				name := fmt.Sprintf("%s m%d n%d k%d batch%d off%d ta%v tb%v", v, m, n, k, bt, c.off, ta, tb)
				prefix := c.kernelPrefix[v]
				for vv := bf16Variant(v); !vv.has(ta, tb); { // a layout the variant has no kernel for (v3l's tn)
					vv = bf16Variant(vv.plain)
					prefix = vv.prefix
				}
				kernel := prefix + "_" + [4]string{"nn", "nt", "tn", "tt"}[layout]
				before := launchesOf(b, kernel)
				b.gemmVariant = v
				b.MatMul(C, A, B, ta, tb, 0)
				if got := launchesOf(b, kernel) - before; got != 1 {
					t.Errorf("%s: %d launches of %s, want 1", name, got, kernel)
				}
				got := make([]float32, bt*m*n)
				b.Download(got, C)
				bad := 0
				for o, w := range want {
					if !gemmClose(got[o], w, mags[o], k) {
						if bad < 3 {
							t.Errorf("%s: C[%d,%d,%d] = %v, want %v", name, o/(m*n), o/n%m, o%n, got[o], w)
						}
						bad++
					}
				}
			}
		}
	}
	// The same products again: every operand's map is in the table.
	next := b.tma.next
	A, B, C := b.New(tensor.BF16, 128, 64), b.New(tensor.BF16, 256, 64), b.New(tensor.F32, 128, 256)
	b.gemmVariant = variants[0]
	b.MatMul(C, A, B, false, true, 0)
	if b.tma.next != next+2 {
		t.Errorf("first product of new operands: %d maps added, want 2", b.tma.next-next)
	}
	b.MatMul(C, A, B, false, true, 1)
	if b.tma.next != next+2 {
		t.Errorf("second product of the same operands: %d maps added, want 0", b.tma.next-next-2)
	}
}

// TestTMAOperand: which operands the TMA takes, and the maps' strides.
func TestTMAOperand(t *testing.T) {
	s, ok := tmaOperand(1<<20, 2048, 3200, 3200, 1, 0, 128)
	if !ok || s.dim0 != 3200 || s.dim1 != 2048 || s.dim2 != 1 || s.stride1 != 6400 || s.stride2 != 6400*2048 ||
		s.box0 != 64 || s.box1 != 128 {
		t.Errorf("a (2048, 3200) operand: %+v, %v", s, ok)
	}
	if s, ok := tmaOperand(1<<20, 256, 100, 100, 32, 25600, 64); ok {
		t.Errorf("rows of 100 BF16 (200 bytes, not a multiple of 16) taken: %+v", s)
	}
	if s, ok := tmaOperand(1<<20, 64, 64, 64, 3, 64*64, 64); !ok || s.stride2 != 2*64*64 {
		t.Errorf("a batch of 3 (64, 64) operands: %+v, %v", s, ok)
	}
	if _, ok := tmaOperand(1<<20+2, 64, 64, 64, 1, 0, 64); ok {
		t.Error("an operand 2 bytes past 16-byte alignment taken")
	}
	if _, ok := tmaOperand(1<<20, 64, 64, 64, 2, 64*64+4, 64); ok {
		t.Error("a batch stride of 8 bytes past a multiple of 16 taken")
	}
	m := emuTensorMap(s)
	if m[0] != emuTmaMagic || m[1] != 1<<20 || m[emuTmaWords] != 0 {
		t.Errorf("emulator map %v", m)
	}
}
