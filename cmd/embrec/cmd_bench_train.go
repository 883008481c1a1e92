// "embrec bench train": one LoRA training step of a randomly initialised
// LLaMA (forward, loss on every next token, backward, AdamW on the
// adapters), timed on the CPU or the GPU. scripts/bench-gpu-torch.py times
// the same step with HF transformers + peft for the side-by-side figure.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"embrec/cuda"
	"embrec/llama"
	"embrec/lora"
	"embrec/tensor"
	"embrec/train"
)

func init() {
	registerBench(&benchCommand{
		name:    "train",
		summary: "time LoRA training steps of a random LLaMA (forward, loss, backward, AdamW) and report tokens/s and peak device memory",
		usage:   "train [-device cpu|cuda] [-shape openllama-3b|tiny|small|base] [-layers L] [-batch B] [-seq T] [-lora-rank R] [-lora-targets q_proj,v_proj] [-weights bf16|f32] [-checkpoint] [-recompute-attention] [-flash-attention] [-saved bf16|f32] [-plan] [-profile] [-profile-grids] [-kernel K] [-vec avx512|avx2|go] [-cpuprofile FILE] [-steps S] [-warmup W]",
		run:     runBenchTrain,
	})
}

// openLLaMA3B is OpenLLaMA-3B's shape (config.json of
// openlm-research/open_llama_3b), the default of "bench train".
var openLLaMA3B = llama.Config{Hidden: 3200, Intermediate: 8640, Layers: 26, Heads: 32, KVHeads: 32, HeadSize: 100,
	Vocab: 32000, MaxPos: 2048, NormEps: 1e-6, RopeTheta: 10000, BOS: 1, EOS: 2}

// benchShape returns the named shape: openllama-3b, or one of
// train.SmallConfigs with a 256-piece vocabulary (quick on the CPU).
func benchShape(name string) (llama.Config, error) {
	if name == "openllama-3b" {
		return openLLaMA3B, nil
	}
	c, err := train.SmallConfig(name, 256, 512, 1, 2)
	if err != nil {
		return c, fmt.Errorf("-shape %q: want openllama-3b, tiny, small or base", name)
	}
	return c, nil
}

// syncer is a backend whose work is asynchronous (cuda): Sync waits for it.
type syncer interface{ Sync() error }

// memStatser reports device memory (cuda): arena size, bytes in use, peak.
type memStatser interface {
	MemStats() (size, used, peak int64)
}

func runBenchTrain(fs *flag.FlagSet, args []string, out io.Writer) error {
	dev := addDeviceFlags(fs)
	shape := fs.String("shape", "openllama-3b", "model shape: openllama-3b, or tiny, small, base (train's from-scratch shapes, vocabulary 256)")
	layers := fs.Int("layers", 0, "number of blocks (0: the shape's)")
	B := fs.Int("batch", 8, "sequences per step")
	T := fs.Int("seq", 256, "tokens per sequence")
	rank := fs.Int("lora-rank", 8, "LoRA rank")
	targets := fs.String("lora-targets", "q_proj,v_proj", "comma-separated projections that get adapters")
	weights := fs.String("weights", "", "dtype of the frozen weights: bf16 or f32 (default: bf16 on cuda, f32 on cpu; bf16 on cpu: BF16 products, VDPBF16PS where the CPU has AVX512_BF16)")
	steps := fs.Int("steps", 5, "timed steps")
	warmup := fs.Int("warmup", 2, "untimed steps first")
	seed := fs.Uint64("seed", 1, "seed of the weights, tokens and dropout")
	profile := fs.Bool("profile", false, "cuda: time every kernel with CUDA events over the timed steps and print a per-kernel table (adds a little time per launch)")
	grids := fs.Bool("profile-grids", false, "cuda: -profile, and a second table per kernel and launch grid (one GEMM kernel's products at different shapes apart)")
	ckpt := fs.Bool("checkpoint", false, "keep only block inputs and recompute each block in backward (less memory, about a third more compute)")
	recAtt := fs.Bool("recompute-attention", false, "keep no attention softmax per block; backward reruns each block's attention forward (B*NH*T*T fewer floats per block)")
	flash := fs.Bool("flash-attention", false, "cuda: fused attention kernels (no softmax kept; backward reruns each block's fused forward)")
	saved := fs.String("saved", "", "dtype of the saved gate and up projections: bf16 or f32 (default: bf16 with BF16 weights, else f32)")
	f32Ops := fs.Bool("f32-operands", false, "with -saved bf16: SwiGLU, the norms, the attention, the residual gradient's additions and the backward RoPE write float32 only, which the BF16 products then convert (the path before those passes wrote their operands; same results), for comparisons")
	kernel := fs.String("kernel", "", "cpu: the SGEMM micro-kernel (default the fastest; `embrec info` lists them), e.g. avx2-6x16 to compare the AVX2 path")
	vecLevel := fs.String("vec", "", "cpu: cap the elementwise kernels (dropout, exp, dots, sums) at avx512, avx2 or go (default the widest; with -kernel avx2-6x16, -vec avx2 runs an AVX2-only machine's code)")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the timed steps to this file (go tool pprof)")
	plan := fs.Bool("plan", false, "print the memory plan (frozen weights, LoRA state, activation arena) and exit, without building a model or opening a device")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg, err := benchShape(*shape)
	if err != nil {
		return err
	}
	if *layers > 0 {
		cfg.Layers = *layers
	}
	if *B <= 0 || *T <= 0 || *T > cfg.MaxPos || *steps <= 0 || *warmup < 0 {
		return fmt.Errorf("need -batch > 0, 0 < -seq <= %d, -steps > 0, -warmup >= 0", cfg.MaxPos)
	}
	lcfg := lora.Config{Rank: *rank, Alpha: 2 * float64(*rank), Dropout: 0.05, Targets: strings.Split(*targets, ",")}
	if *plan {
		native := tensor.F32
		if *dev.device == "cuda" {
			native = tensor.BF16 // the cuda backend's FrozenDType
		}
		dt, savedBF16, err := benchDTypes(*weights, *saved, native)
		if err != nil {
			return err
		}
		ropt := llama.RunOptions{Checkpoint: *ckpt, RecomputeAttention: *recAtt, FlashAttention: *flash, SaveBF16: savedBF16,
			F32Operands: *f32Ops}
		return writeTrainPlan(out, *shape, cfg, *B, *T, dt, lcfg, ropt)
	}
	*profile = *profile || *grids
	if err := tensor.SetCPUKernels(*kernel, ""); err != nil {
		return err
	}
	if err := tensor.SetVectorLevel(*vecLevel); err != nil {
		return fmt.Errorf("-vec: %w", err)
	}
	be, err := dev.backendWith(cuda.Options{Profile: *profile, ProfileGrids: *grids})
	if err != nil {
		return err
	}
	var prof profiler
	if *profile {
		p, ok := be.(profiler)
		if !ok {
			return errors.New("-profile needs -device cuda")
		}
		prof = p
	}
	if c, ok := be.(interface{ Close() error }); ok {
		defer c.Close()
	}
	native := tensor.F32
	if fd, ok := be.(tensor.FrozenDTyper); ok {
		native = fd.FrozenDType()
	}
	dt, savedBF16, err := benchDTypes(*weights, *saved, native)
	if err != nil {
		return err
	}
	if _, ok := be.(tensor.FrozenDTyper); dt != tensor.F32 && !ok {
		return fmt.Errorf("-weights %v: backend %s multiplies float32 only", dt, be.Name())
	}

	if *flash && !llama.FlashAttentionSupported(be, cfg) {
		return fmt.Errorf("-flash-attention: backend %s has no fused attention for head size %d", be.Name(), cfg.HeadSize)
	}
	t0 := time.Now()
	m, err := llama.NewFrozenRandom(cfg, be, dt, llama.DefaultStd, *seed)
	if err != nil {
		return err
	}
	set, params, err := train.NewLoRA(m, lcfg, *B**T, *seed+1)
	if err != nil {
		return err
	}
	train.AttachLoRA(m, set, true)
	set.Training = true
	ropt := llama.RunOptions{Checkpoint: *ckpt, RecomputeAttention: *recAtt, FlashAttention: *flash, SaveBF16: savedBF16,
		F32Operands: *f32Ops}
	run := m.NewRun(*B, *T, ropt)
	ids, tgt := benchTokens(*B, *T, cfg.Vocab, *seed)
	fmt.Fprintf(out, "# %s, %s-shaped, %d layers, %.2fB parameters (%s frozen), LoRA r=%d on %s (%d trainable), B*T = %d x %d; built in %.1f s\n",
		be.Name(), *shape, cfg.Layers, float64(cfg.NumParams())/1e9, dt, *rank, *targets, params.Len(), *B, *T,
		time.Since(t0).Seconds())

	h := tensor.AdamWParams{LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
	var firstLoss, lastLoss float64
	step := func(i int) error {
		params.ZeroGrad()
		set.StepSeed = *seed + uint64(i)
		run.EmbedIDs(ids)
		run.Forward(nil)
		loss, _ := run.Loss(tgt)
		run.BackwardLoss(1)
		h.Step = i + 1
		params.Step(h)
		if s, ok := be.(syncer); ok {
			if err := s.Sync(); err != nil {
				return fmt.Errorf("step %d: %w", i+1, err)
			}
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("step %d: loss %v", i+1, loss)
		}
		if i == 0 {
			firstLoss = loss
		}
		lastLoss = loss
		return nil
	}
	ms := make([]float64, *steps)
	for i := 0; i < *warmup+*steps; i++ {
		s0 := time.Now()
		if err := step(i); err != nil {
			return err
		}
		d := float64(time.Since(s0).Microseconds()) / 1e3
		note := ""
		if i < *warmup {
			note = " (warm-up)"
		}
		fmt.Fprintf(out, "step %d: %.1f ms, loss %.4f%s\n", i+1, d, lastLoss, note)
		if i >= *warmup {
			ms[i-*warmup] = d
		}
		if i == *warmup-1 && prof != nil {
			prof.ResetProfile()
		}
		if i == *warmup-1 && *cpuProfile != "" {
			stop, err := startCPUProfile(*cpuProfile)
			if err != nil {
				return err
			}
			defer stop()
		}
	}
	med, lo, hi := medianMinMax(ms)
	peak := "n/a"
	if s, ok := be.(memStatser); ok {
		_, _, p := s.MemStats()
		peak = fmt.Sprintf("%.2f", float64(p)/(1<<30))
	}
	gemm := "-"
	if g, ok := be.(interface{ GEMMVariant() string }); ok {
		gemm = g.GEMMVariant()
	}
	fmt.Fprintf(out, "train device=%s checkpoint=%v gemm=%s ms=%.1f min=%.1f max=%.1f steps=%d tokens_per_s=%.0f peak_gib=%s loss_first=%.4f loss_last=%.4f recompute_attention=%v activations_mib=%.2f saved=%s flash_attention=%v f32_operands=%v model_gflop_s=%.1f\n",
		*dev.device, *ckpt, gemm, med, lo, hi, *steps, float64(*B**T)/med*1e3, peak, firstLoss, lastLoss,
		*recAtt, float64(llama.ActivationBytes(cfg, *B, *T, ropt))/(1<<20), map[bool]string{false: "f32", true: "bf16"}[ropt.SaveBF16],
		ropt.FlashAttention, ropt.F32Operands, loraStepFLOPs(cfg, *B, *T)/med/1e6)
	if prof != nil {
		fmt.Fprintf(out, "# GPU time per kernel over the %d timed steps:\n", *steps)
		prof.WriteProfile(out)
	}
	return nil
}

// profiler is a backend that times its kernels (cuda with profiling on).
type profiler interface {
	ResetProfile()
	WriteProfile(io.Writer)
}

// benchTokens returns random token ids (B*T) and next-token targets, the
// last position of each sequence ignored (-1), as a causal LM loss on
// labels = ids shifts them.
func benchTokens(B, T, V int, seed uint64) (ids, targets []int32) {
	r := rand.New(rand.NewPCG(seed, 0x746f6b))
	ids = make([]int32, B*T)
	for i := range ids {
		ids[i] = int32(r.IntN(V))
	}
	targets = make([]int32, B*T)
	for i := range targets {
		if (i+1)%T == 0 {
			targets[i] = -1
		} else {
			targets[i] = ids[i+1]
		}
	}
	return ids, targets
}

// loraStepFLOPs is the arithmetic of one adapter-training step with a
// frozen backbone, for MFU: forward 2*N*P over the weight matrices (N =
// B*T tokens, P their parameters, lm_head included, embedding not),
// backward the same again for the input gradients (frozen matrices get no
// weight gradient), and attention's two T x T products per head, forward
// 4*B*NH*T*T*HS (unmasked, as the CPU computes them) and twice that
// backward. The adapters (rank R << C) and element-wise ops are left out.
func loraStepFLOPs(c llama.Config, b, t int) float64 {
	q := c.Heads * c.HeadSize
	kv := c.KVHeads * c.HeadSize
	perLayer := c.Hidden*q + 2*c.Hidden*kv + q*c.Hidden + 3*c.Hidden*c.Intermediate
	p := float64(c.Layers*perLayer + c.Hidden*c.Vocab)
	n := float64(b * t)
	att := float64(c.Layers) * 4 * float64(b*c.Heads) * float64(t*t) * float64(c.HeadSize)
	return 4*n*p + 3*att
}
