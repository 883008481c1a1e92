//go:build cuda

// The conformance suite on the GPU (needs a CUDA device; run through
// scripts/gpu-check.sh). Every op is compared with the float64 references
// of tensortest under the tolerance table below.

package cuda

import (
	"testing"

	"embrec/tensor/tensortest"
)

// GPU is the tolerance table of this backend: tensortest.F32, whose
// figures also cover the GPU's order of float32 operations:
//
//   - norm, loss, attention: block and warp tree reductions in float32
//     (the CPU accumulates these sums in float64). A tree sum of K terms
//     errs by at most log2(K)*u*sum|terms| (u = 6e-8); the suite's rows are
//     at most 1000 long, so about 10u of the magnitude: 6e-7, under the F32
//     figures of 2e-5 and 5e-5, which therefore stand.
//   - activation, optimizer: expf/tanhf/sqrtf are within 2 ulp (CUDA C
//     Programming Guide, "Mathematical Functions"), like the CPU's exp32;
//     nvcc contracts a*b+c into FMA, which only removes roundings. F32's
//     1e-5 stands.
//   - matmul: gemm_f32 accumulates K products sequentially in FMA: at most
//     K*u*sum|terms| = 300 * 6e-8 = 1.8e-5 for the suite's largest K,
//     inside F32's 2e-5 of the sum of absolute terms.
//   - convert: the same round-to-nearest-even as tensor/half.
//
// The tensor-core (BF16) paths are not in the suite, whose operands are
// F32: it runs with Options.AttentionF32 (attention products on
// gemm_f32); TestGEMMBF16 and TestAttentionBF16GPU check the tensor-core
// GEMM and attention with their own bounds.
var GPU = tensortest.F32

func TestConformanceGPU(t *testing.T) {
	b := newTestBackendOpts(t, Options{AttentionF32: true})
	t.Logf("backend %s", b.Name())
	tensortest.Run(t, b, GPU)
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}

// TestConformanceGPUDebug reruns the suite synchronising after every
// launch, so a faulting kernel is named.
func TestConformanceGPUDebug(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	b, err := New(Options{ArenaBytes: 1 << 30, Debug: true, AttentionF32: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tensortest.Run(t, b, GPU)
}
