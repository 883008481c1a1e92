// "embrec bench gemm -device cuda": the cuda Backend's MatMul timed with
// CUDA events, in TFLOP/s, with the GEMM variant that ran the product.

package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"embrec/cuda"
	"embrec/tensor"
)

// gemmBench is one GEMM benchmark's shape and settings.
type gemmBench struct {
	m, n, k, batch  int
	transA, transB  bool
	layout          string // "NN" ... "TT"
	dtype, variant  string
	repeats, warmup int
}

// benchGemmCUDA times bt products op(A) op(B) of g's shape on the GPU: BF16
// operands on the tensor cores (or F32 on gemm_f32), C in float32, each
// repeat between two CUDA events.
func benchGemmCUDA(out io.Writer, dev deviceFlags, g gemmBench) error {
	if !cuda.Built {
		return fmt.Errorf("--device cuda: %w", cuda.ErrNotBuilt) // and keeps the GPU code out of this build
	}
	dt := tensor.BF16
	switch g.dtype {
	case "", "bf16":
	case "f32":
		dt = tensor.F32
		if g.variant != "" {
			return errors.New("-variant chooses among the BF16 GEMMs; -dtype f32 runs gemm_f32")
		}
	default:
		return fmt.Errorf("-dtype %q: want f32 or bf16", g.dtype)
	}
	be, err := dev.backend()
	if err != nil {
		return err
	}
	b, ok := be.(*cuda.Backend)
	if !ok {
		return fmt.Errorf("--device %s: bench gemm times the CPU (-device cpu) or the cuda backend", *dev.device)
	}
	defer b.Close()
	if g.variant != "" {
		if err := b.SetGEMMVariant(g.variant); err != nil {
			return fmt.Errorf("-variant %q: %w", g.variant, err)
		}
	}
	shapeA, shapeB := []int{g.batch, g.m, g.k}, []int{g.batch, g.k, g.n}
	if g.transA {
		shapeA = []int{g.batch, g.k, g.m}
	}
	if g.transB {
		shapeB = []int{g.batch, g.n, g.k}
	}
	r := rand.New(rand.NewPCG(1, 2))
	random := func(shape []int) *tensor.Tensor { // never zeros: zeros run faster than real data
		t := b.New(dt, shape...)
		v := make([]float32, t.Len())
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		b.Upload(t, v)
		return t
	}
	A, B, C := random(shapeA), random(shapeB), b.New(tensor.F32, g.batch, g.m, g.n)
	run := func() { b.MatMul(C, A, B, g.transA, g.transB, 0) }
	for range g.warmup {
		run()
	}
	flop := 2 * float64(g.batch) * float64(g.m) * float64(g.n) * float64(g.k)
	tflops := make([]float64, g.repeats)
	for i := range tflops {
		ms, err := b.Elapsed(run)
		if err != nil {
			return err
		}
		tflops[i] = flop / (ms * 1e-3) / 1e12
		fmt.Fprintf(out, "repeat %d: %.3f ms, %.1f TFLOP/s\n", i, ms, tflops[i])
	}
	kernel := "float32 (gemm_f32, or its thin or split-K forms)"
	if dt == tensor.BF16 {
		kernel = "BF16 variant " + b.GEMMChoice(g.m, g.n, g.batch, g.transA, g.transB) + " (" + b.GEMMVariant() + ")"
	}
	med, lo, hi := medianMinMax(tflops)
	fmt.Fprintf(out, "gemm %dx%dx%d %s batch=%d %s on %s: %.1f TFLOP/s (median of %d, min %.1f, max %.1f)\n",
		g.m, g.n, g.k, g.layout, g.batch, kernel, b.Name(), med, g.repeats, lo, hi)
	return nil
}
