// Benchmarks: square problems and the transformer shapes, in the layouts
// the model uses, reported in GFLOP/s (2*m*n*k flops per call).
//
//	go test -run '^$' -bench 'Sgemm/NN/1024' ./tensor/internal/gemm

package gemm

import (
	"fmt"
	"testing"
)

type benchShape struct {
	layout  string // NN, NT (y = x W^T), TN (dW = dY^T X)
	m, n, k int
}

// benchShapes: square NN problems, and the linear layers of a transformer
// with 2048 tokens: forward y = x W^T is NT with m = tokens, k = in,
// n = out; the weight gradient dW = dY^T X is TN with m = out, n = in,
// k = tokens.
func benchShapes() []benchShape {
	var s []benchShape
	for _, n := range []int{256, 512, 1024, 2048} {
		s = append(s, benchShape{"NN", n, n, n})
	}
	const tokens = 2048
	for _, io := range [][2]int{{256, 256}, {3200, 3200}, {3200, 8640}, {8640, 3200}} {
		in, out := io[0], io[1]
		s = append(s, benchShape{"NT", tokens, out, in}, benchShape{"TN", out, in, tokens})
	}
	return s
}

func BenchmarkSgemm(b *testing.B) {
	for _, sh := range benchShapes() {
		b.Run(fmt.Sprintf("%s/%dx%dx%d", sh.layout, sh.m, sh.n, sh.k), func(b *testing.B) {
			benchSgemm(b, sh)
		})
	}
}

// BenchmarkSgemmKernels times every micro-kernel this CPU runs (the AVX-512
// one also with A packed) on square NN problems and the linear layers of
// the base training shape, 1024 tokens (the pure-Go one on 512 only).
func BenchmarkSgemmKernels(b *testing.B) {
	var cs []config
	for _, c := range configs() {
		cs = append(cs, c)
		if c.kernelU != nil {
			c.name += "/packedA"
			c.kernelU = nil
			cs = append(cs, c)
		}
	}
	for _, cfg := range cs {
		for _, sh := range []benchShape{{"NN", 512, 512, 512}, {"NN", 1024, 1024, 1024}, {"NN", 2048, 2048, 2048},
			{"NT", 1024, 256, 256}, {"NN", 1024, 256, 256}, {"NT", 1024, 688, 256}} {
			if cfg.name == genericConfig.name && sh.m > 512 {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s/%dx%dx%d", cfg.name, sh.layout, sh.m, sh.n, sh.k), func(b *testing.B) {
				old := setConfig(cfg)
				defer setConfig(old)
				benchSgemm(b, sh)
			})
		}
	}
}

func benchSgemm(b *testing.B, sh benchShape) {
	ta, tb := sh.layout[0] == 'T', sh.layout[1] == 'T'
	ar, ac := sh.m, sh.k
	if ta {
		ar, ac = sh.k, sh.m
	}
	br, bc := sh.k, sh.n
	if tb {
		br, bc = sh.n, sh.k
	}
	a := make([]float32, ar*ac)
	bm := make([]float32, br*bc)
	c := make([]float32, sh.m*sh.n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range bm {
		bm[i] = float32(i%5) - 2
	}
	call := func() { Sgemm(ta, tb, sh.m, sh.n, sh.k, 1, a, ac, bm, bc, 0, c, sh.n) }
	call() // warm-up: buffers, page faults
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		call()
	}
	flops := 2 * float64(sh.m) * float64(sh.n) * float64(sh.k)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMicroKernel times each micro-kernel alone on an in-cache
// MC x KC block of A against one KC x NR panel of B: the ceiling for Sgemm.
func BenchmarkMicroKernel(b *testing.B) {
	for _, cfg := range configs() {
		b.Run(cfg.name, func(b *testing.B) { benchMicroKernel(b, cfg) })
	}
}

func benchMicroKernel(b *testing.B, cfg config) {
	kc := cfg.kc
	ap := make([]float32, cfg.mc*kc)
	bp := make([]float32, kc*cfg.nr)
	c := make([]float32, cfg.mc*cfg.nr)
	for i := range ap {
		ap[i] = 1e-3
	}
	b.ReportAllocs()
	for b.Loop() {
		for ir := 0; ir < cfg.mc; ir += cfg.mr {
			cfg.kernel(kc, ap[ir*kc:], bp, c[ir*cfg.nr:], cfg.nr, 1, 1)
		}
	}
	flops := 2 * float64(cfg.mc) * float64(cfg.nr) * float64(kc)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGemmBF16 times every BF16 kernel on square NN problems with
// BF16 operands (as PyTorch's a @ b in bfloat16) and, at 2048, a float32
// A rounded while packing (activations times BF16 weights).
func BenchmarkGemmBF16(b *testing.B) {
	for _, cfg := range bf16Configs() {
		for _, n := range []int{1024, 2048} {
			for _, srcA := range []string{"bf16", "f32"} {
				if srcA == "f32" && n != 2048 || cfg.name == "f32-"+genericConfig.name && n > 1024 {
					continue
				}
				b.Run(fmt.Sprintf("%s/NN/%dx%dx%d/A%s", cfg.name, n, n, n, srcA), func(b *testing.B) {
					old := activeBF16
					activeBF16 = cfg
					defer func() { activeBF16 = old }()
					av := make([]float32, n*n)
					bv := make([]uint16, n*n)
					for i := range av {
						av[i] = float32(i%7) - 3
						bv[i] = uint16(0x3f80 + i%5)
					}
					oa := Operand{F32: av}
					if srcA == "bf16" {
						oa = Operand{BF16: bv}
					}
					c := make([]float32, n*n)
					call := func() { GemmBF16(false, false, n, n, n, 1, oa, n, Operand{BF16: bv}, n, 0, c, n) }
					call()
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						call()
					}
					b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
