//go:build cuda

// The GPU section of embrec info, in binaries built with -tags cuda.

package main

import (
	"fmt"
	"io"
	"strings"

	"gorgonia.org/cu"

	"embrec/cuda"
)

func init() {
	gpuInfo = func(w io.Writer) error {
		n, err := cu.NumDevices()
		if err != nil {
			return fmt.Errorf("count CUDA devices: %w", err)
		}
		v := cu.Version()
		fmt.Fprintf(w, "cuda:       driver API %d.%d, %d device(s), kernels: sm_80 PTX (JIT), gemm_wgmma and gemm_tma sm_90a PTX (compute capability 9.0)\n", v/1000, v%1000/10, n)
		opts, err := cudaOptionsFromEnv(cuda.Options{ArenaBytes: 64 << 20})
		if err != nil {
			return err
		}
		b, err := cuda.New(opts)
		if err != nil {
			return err
		}
		defer b.Close()
		free, total, err := b.MemInfo()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "device:     %s\n", b.Name())
		fmt.Fprintf(w, "memory:     %.1f GiB total, %.1f GiB free\n", float64(total)/(1<<30), float64(free)/(1<<30))
		variant := b.GEMMVariant()
		if strings.HasPrefix(variant, "auto") {
			variant += " (chosen per product)"
		}
		fmt.Fprintf(w, "GEMM:       BF16 variant %s (EMBREC_CUDA_GEMM, bench gemm -variant); runnable here: %s\n", variant,
			strings.Join(b.RunnableGEMMVariants(), " "))
		fmt.Fprintf(w, "fused:      attention up to head size %d (train --flash-attention); LoRA dropout inside the products; BF16 operand copies in the norms and RoPE (off with EMBREC_CUDA_FUSED_COPIES=0)\n",
			b.FlashAttentionMaxHeadSize())
		for mod, err := range b.Skipped() {
			fmt.Fprintf(w, "skipped:    module %s, refused by the driver: %v\n", mod, err)
		}
		return nil
	}
}
