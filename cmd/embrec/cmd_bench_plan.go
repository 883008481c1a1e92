// bench train -plan: the memory a LoRA training step will ask for, from the
// shapes alone (no model built, no device opened), and the dtype flags the
// plan and the timed run share.

package main

import (
	"fmt"
	"io"
	"strings"

	"embrec/llama"
	"embrec/lora"
	"embrec/tensor"
)

// benchDTypes resolves -weights and -saved: the frozen weights' dtype
// (default native, the backend's FrozenDType or F32) and whether the saved
// gate and up projections are BF16 (default: with BF16 weights).
func benchDTypes(weights, saved string, native tensor.DType) (dt tensor.DType, savedBF16 bool, err error) {
	switch strings.ToLower(weights) {
	case "":
		dt = native
	case "bf16":
		dt = tensor.BF16
	case "f32":
		dt = tensor.F32
	default:
		return 0, false, fmt.Errorf("-weights %q: want bf16 or f32", weights)
	}
	switch strings.ToLower(saved) {
	case "":
		savedBF16 = dt == tensor.BF16
	case "bf16":
		savedBF16 = true
	case "f32":
	default:
		return 0, false, fmt.Errorf("-saved %q: want bf16 or f32", saved)
	}
	return dt, savedBF16, nil
}

// writeTrainPlan prints what bench train (or a training run of the same
// shape) allocates for the frozen weights, the LoRA parameters with their
// gradients and AdamW moments, and the activation arena
// (llama.ActivationBytes), exactly; not the backend's own scratch.
func writeTrainPlan(w io.Writer, shape string, cfg llama.Config, B, T int, dt tensor.DType, lcfg lora.Config,
	ropt llama.RunOptions) error {
	if err := lcfg.Validate(); err != nil {
		return err
	}
	C, H, Q, KV := cfg.Hidden, cfg.Intermediate, cfg.QDim(), cfg.KVDim()
	var loraParams int64
	for _, t := range lcfg.Targets {
		in, out := lora.Dims(t, C, H, Q, KV)
		loraParams += int64(cfg.Layers * lcfg.Rank * (in + out))
	}
	weights := cfg.NumParams() * int64(dt.Size())
	loraBytes := 4 * 4 * loraParams // weights, gradients, AdamW m and v, float32
	acts := llama.ActivationBytes(cfg, B, T, ropt)
	saved := "f32"
	switch {
	case ropt.SaveBF16 && ropt.FlashAttention:
		saved = "bf16 (and q/k/v)"
	case ropt.SaveBF16:
		saved = "bf16"
	}
	gib := func(n int64) string { return fmt.Sprintf("%8.2f GiB", float64(n)/(1<<30)) }
	fmt.Fprintf(w, "# memory plan: %s-shaped, %d layers, %.2fB parameters, B*T = %d x %d (no model built, no device opened)\n",
		shape, cfg.Layers, float64(cfg.NumParams())/1e9, B, T)
	fmt.Fprintf(w, "frozen weights    %s  %v\n", gib(weights), dt)
	fmt.Fprintf(w, "LoRA state        %s  r=%d on %s: %d parameters x (weight, gradient, AdamW m, v) in float32\n",
		gib(loraBytes), lcfg.Rank, strings.Join(lcfg.Targets, ","), loraParams)
	fmt.Fprintf(w, "activation arena  %s  saved gate/up %s, checkpoint %v, recompute attention %v, flash attention %v\n",
		gib(acts), saved, ropt.Checkpoint, ropt.RecomputeAttention, ropt.FlashAttention)
	fmt.Fprintf(w, "total             %s  plus the backend's scratch (on the GPU: BF16 operand copies, packed attention heads, LoRA dropout buffers)\n",
		gib(weights+loraBytes+acts))
	return nil
}
