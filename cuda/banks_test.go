// Shared-memory bank conflicts of the kernels' ldmatrix loads, counted by
// the kernel emulator (kernels/emu) on the host-compiled kernels: for each
// kernel, the wavefronts its ldmatrix phases took per phase (1.00: no
// conflicts; 2.00: every phase served twice). A property of the addresses
// alone, the same on every GPU, so it is reported without one; what it
// costs in time only a GPU run shows.
//
//	go test ./cuda -run '^$' -bench Banks -benchtime 1x

package cuda

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"embrec/tensor"
)

// BenchmarkBanks reports, per kernel, ldmatrix wavefronts per phase
// ("<kernel>-wf/phase") for each mma.sync GEMM variant and layout at
// 256 x 256 x 256 (16-byte loads), and for the materialised and the fused
// attention, forward and backward, at OpenLLaMA-3B's head size.
func BenchmarkBanks(b *testing.B) {
	be := newHostBackend(b, Options{})
	d := be.dev.(*hostDevice)
	rng := rand.New(rand.NewPCG(3, 4))
	report := func(b *testing.B, run func()) {
		d.bankUse() // nothing from before
		run()
		if err := be.Sync(); err != nil {
			b.Fatal(err)
		}
		use := d.bankUse()
		if len(use) == 0 {
			b.Fatal("no ldmatrix counted")
		}
		for _, u := range use {
			b.ReportMetric(float64(u.wavefronts)/float64(u.phases), u.kernel+"-wf/phase")
		}
	}
	const M, N, K = 256, 256, 256
	for _, v := range gemmBF16Variants {
		if v.module != "gemm_bf16" { // the wgmma kernels read shared memory without ldmatrix
			continue
		}
		for layout := range 4 {
			ta, tb := layout&2 != 0, layout&1 != 0
			ash, bsh := []int{M, K}, []int{K, N}
			if ta {
				ash = []int{K, M}
			}
			if tb {
				bsh = []int{N, K}
			}
			x, y, out := randn(be, rng, tensor.BF16, ash...), randn(be, rng, tensor.BF16, bsh...), be.New(tensor.F32, M, N)
			name := strings.TrimPrefix(v.kernel(ta, tb), v.prefix+"_")
			b.Run(fmt.Sprintf("gemm/%s/%s/M%d_N%d_K%d", v.name, name, M, N, K), func(b *testing.B) {
				be.gemmVariant = v.name
				for range b.N {
					report(b, func() { be.MatMul(out, x, y, ta, tb, 0) })
				}
			})
		}
	}
	be.gemmVariant = "v2a" // the default, for the attention's products
	const B, T, NH, HS = 1, 128, 2, 100
	for _, c := range attentionRuns(be, rng, B, T, NH, HS) {
		b.Run(fmt.Sprintf("attention/%s/B%d_T%d_NH%d_HS%d", c.name, B, T, NH, HS), func(b *testing.B) {
			for range b.N {
				report(b, c.run)
			}
		})
	}
}

// TestBankUseCounted: the emulator counts the ldmatrix phases of one
// 16 x 16 x 16 product on GEMM v1 under the kernel's name, with at least
// one wavefront per phase, and forgets them once read.
func TestBankUseCounted(t *testing.T) {
	be := newHostBackend(t, Options{})
	d := be.dev.(*hostDevice)
	be.gemmVariant = "v1"
	x, y, out := be.New(tensor.BF16, 16, 16), be.New(tensor.BF16, 16, 16), be.New(tensor.F32, 16, 16)
	d.bankUse()
	be.MatMul(out, x, y, false, false, 0)
	if err := be.Sync(); err != nil {
		t.Fatal(err)
	}
	use := d.bankUse()
	if len(use) != 1 || use[0].kernel != "gemm_bf16_nn" || use[0].phases == 0 || use[0].wavefronts < use[0].phases {
		t.Fatalf("bank use %+v, want gemm_bf16_nn with phases > 0 and wavefronts >= phases", use)
	}
	if again := d.bankUse(); len(again) != 0 {
		t.Errorf("bank use after reading: %+v, want none", again)
	}
}
