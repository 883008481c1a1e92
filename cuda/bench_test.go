//go:build cuda

// GPU benchmarks, timed with CUDA events after warm-up (median of repeats):
// the tensor-core GEMM at OpenLLaMA-3B's shapes (M = B*T = 4096 and 2048). Run by
// scripts/gpu-check.sh; each reports TFLOP/s as a custom metric.

package cuda

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"embrec/tensor"
)

// gemmShapes are (M, K, N) of OpenLLaMA-3B's projections, q/k/v/o (3200
// -> 3200), gate/up (3200 -> 8640), down (8640 -> 3200), at M = 4096 (the
// issue's shapes) and at the training step's M = B*T = 2048.
var gemmShapes = [][3]int{
	{4096, 3200, 3200}, {4096, 3200, 8640}, {4096, 8640, 3200},
	{2048, 3200, 3200}, {2048, 3200, 8640}, {2048, 8640, 3200},
}

// BenchmarkGEMMBF16 times every variant of the tensor-core GEMM (the
// variant table in ops_matmul.go): sub-benchmarks <variant>/M<m>_K<k>_N<n>_<layout>,
// e.g. BenchmarkGEMMBF16/v2a/M4096_K3200_N3200_nt; -bench 'GEMMBF16/v2a/'
// selects one variant.
func BenchmarkGEMMBF16(b *testing.B) {
	be := newTestBackend(b)
	for _, variant := range variantsUnderTest(b, be) {
		b.Run(variant, func(b *testing.B) {
			for _, mkn := range gemmShapes {
				for _, layout := range []string{"nt", "nn"} {
					m, k, n := mkn[0], mkn[1], mkn[2]
					b.Run(fmt.Sprintf("M%d_K%d_N%d_%s", m, k, n, layout), func(b *testing.B) {
						be.gemmVariant = variant
						benchGEMM(b, be, m, n, k, layout == "nt", tensor.BF16)
					})
				}
			}
		})
	}
}

// BenchmarkGEMMF32 is the float32 CUDA-core GEMM at the first shape, for
// scale (LoRA and projector products use it, at much smaller sizes).
func BenchmarkGEMMF32(b *testing.B) {
	be := newTestBackend(b)
	benchGEMM(b, be, 4096, 3200, 3200, true, tensor.F32)
}

func benchGEMM(b *testing.B, be *Backend, m, n, k int, transB bool, dt tensor.DType) {
	rng := rand.New(rand.NewPCG(3, 4))
	rnd := func(t *tensor.Tensor) *tensor.Tensor { return fillRandn(be, rng, t) } // never zeros: zeros run faster than real data
	bsh := []int{k, n}
	if transB {
		bsh = []int{n, k}
	}
	A, B, C := rnd(be.New(dt, m, k)), rnd(be.New(dt, bsh...)), be.New(tensor.F32, m, n)
	med := medianMS(b, be, func() { be.MatMul(C, A, B, false, transB, 0) })
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)/(med*1e-3)/1e12, "TFLOP/s")
	b.ReportMetric(med, "ms/op")
}

// BenchmarkThinLoRA times the thin float32 products of one LoRA adapter
// (rank 8) at OpenLLaMA-3B's training step, N = B*T = 2048 tokens, C =
// 3200, with each way of loading op(A) (thinScalar, thinPrefetch): the
// forward x A^T through the dropout, dh = dY B, dA = dh^T x through the
// dropout, dB = dY^T h. Sub-benchmarks <loads>/<product>; each reports ms
// per product (CUDA events, median of 20 after warm-up) and GB/s of its
// large operand (N x C floats, read once).
func BenchmarkThinLoRA(b *testing.B) {
	be := newTestBackend(b)
	defer func(s, p bool) { be.thinScalar, be.thinPrefetch = s, p }(be.thinScalar, be.thinPrefetch)
	const N, C, R = 2048, 3200, 8
	rng := rand.New(rand.NewPCG(7, 8))
	rnd := func(shape ...int) *tensor.Tensor { return fillRandn(be, rng, be.New(tensor.F32, shape...)) }
	x, dY, A, B, h, dh := rnd(N, C), rnd(N, C), rnd(R, C), rnd(C, R), rnd(N, R), rnd(N, R)
	out, dA, dB := be.New(tensor.F32, N, R), be.New(tensor.F32, R, C), be.New(tensor.F32, C, R)
	products := []struct {
		name string
		run  func()
	}{
		{"x_At_drop", func() { be.MatMulDropIn(out, x, A, false, true, 0, 0, 0.05, 3) }},
		{"dY_B", func() { be.MatMul(dh, dY, B, false, false, 0) }},
		{"dhT_x_drop", func() { be.MatMulDropIn(dA, dh, x, true, false, 1, 1, 0.05, 3) }},
		{"dYT_h", func() { be.MatMul(dB, dY, h, true, false, 1) }},
	}
	for _, mode := range []string{"scalar", "float4", "prefetch"} {
		be.thinScalar, be.thinPrefetch = mode == "scalar", mode == "prefetch"
		for _, p := range products {
			b.Run(mode+"/"+p.name, func(b *testing.B) {
				med := medianMS(b, be, p.run)
				b.ReportMetric(med, "ms/op")
				b.ReportMetric(float64(N*C*4)/(med*1e-3)/1e9, "GB/s")
			})
		}
	}
}

// BenchmarkAttention times one attention forward and backward at the
// OpenLLaMA-3B training shape (B 8, T 256, 32 heads of 100, causal), the
// materialised tensor-core path and the fused kernels: ms per forward +
// backward (CUDA events, median of 20 after warm-up). The PyTorch anchor is
// bench-gpu-torch.py's SDPA line.
func BenchmarkAttention(b *testing.B) {
	be := newTestBackend(b)
	const B, T, NH, HS = 8, 256, 32, 100
	for _, c := range attentionRuns(be, rand.New(rand.NewPCG(5, 6)), B, T, NH, HS) {
		b.Run(fmt.Sprintf("%s/B%d_T%d_NH%d_HS%d", c.name, B, T, NH, HS), func(b *testing.B) {
			b.ReportMetric(medianMS(b, be, c.run), "ms/op")
		})
	}
}

// medianMS times run with CUDA events: 3 warm-up calls (module JIT,
// clocks), then, b.N times, 20 timed calls; it returns the median
// milliseconds of the last 20.
func medianMS(b *testing.B, be *Backend, run func()) float64 {
	for range 3 {
		if _, err := be.Elapsed(run); err != nil {
			b.Fatal(err)
		}
	}
	const reps = 20
	ms := make([]float64, 0, reps)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ms = ms[:0]
		for range reps {
			t, err := be.Elapsed(run)
			if err != nil {
				b.Fatal(err)
			}
			ms = append(ms, t)
		}
	}
	slices.Sort(ms)
	return ms[len(ms)/2]
}
