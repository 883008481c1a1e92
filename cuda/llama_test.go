// The whole training step on the GPU against the CPU backend: a small
// LLaMA with LoRA on every projection (dropout on), left padding, loss,
// backward to every weight, the adapters and the input, then AdamW steps.
// The conformance suite checks each op; this checks that the model and the
// adapters drive them the same way on both backends, and that a frozen
// BF16 backbone with BF16 saved MLP activations (how the GPU trains) stays
// within bf16 rounding of F32.

package cuda

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"embrec/llama"
	"embrec/lora"
	"embrec/tensor"
	"embrec/tensor/half"
	"embrec/train"
)

// stepSide is one backend's model, adapters and run.
type stepSide struct {
	be     tensor.Backend
	m      *llama.Model
	set    *lora.Set
	params *train.Params
	grads  *llama.Params // full weight gradients (nil: frozen backbone)
	run    *llama.Run
}

var stepCfg = llama.Config{Hidden: 64, Intermediate: 172, Layers: 2, Heads: 4, KVHeads: 2, HeadSize: 16,
	Vocab: 96, MaxPos: 64, NormEps: 1e-6, RopeTheta: 10000, BOS: 1, EOS: 2}

const stepB, stepT = 3, 17

// newStepSide builds one side of the step test: a random model with LoRA
// on targets (nil: every projection).
func newStepSide(t *testing.T, be tensor.Backend, onGPU, bf16Weights, fullGrads bool, opt llama.RunOptions,
	targets []string) *stepSide {
	t.Helper()
	m, err := llama.NewRandom(stepCfg, be, 0.05, 7)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case bf16Weights && onGPU:
		if err := m.Freeze(tensor.BF16); err != nil {
			t.Fatal(err)
		}
	case bf16Weights: // the CPU multiplies F32: the same values, rounded
		roundWeightsBF16(m)
	}
	if targets == nil {
		targets = lora.Projections
	}
	lcfg := lora.Config{Rank: 4, Alpha: 8, Dropout: 0.1, Targets: targets}
	set, p, err := train.NewLoRA(m, lcfg, stepB*stepT, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Every adapter weight random (B too, which PEFT starts at zero), so
	// that gradients reach A and the adapters change the output.
	rng := rand.New(rand.NewPCG(11, 12))
	w := make([]float32, p.Len())
	for i := range w {
		w[i] = float32(rng.NormFloat64() * 0.05)
	}
	be.Upload(p.W, w)
	train.AttachLoRA(m, set, true)
	set.Training = true
	s := &stepSide{be: be, m: m, set: set, params: p}
	opt.SaveBF16 = bf16Weights // as train does with a BF16 backbone, on both sides
	if fullGrads {
		g, gp := m.NewGrads()
		opt.Grads, s.grads = g, gp
	}
	s.run = m.NewRun(stepB, stepT, opt)
	return s
}

// roundWeightsBF16 rounds every weight matrix of a CPU model to bf16 in
// place (norm weights stay exact), the values the GPU's frozen copy holds.
func roundWeightsBF16(m *llama.Model) {
	for i, v := range m.Params.Views {
		if v.Rank() == 1 {
			continue
		}
		h := make([]float32, v.Len())
		m.Backend.Download(h, v)
		for j := range h {
			h[j] = half.BF16ToF32(half.F32ToBF16(h[j]))
		}
		m.Backend.Upload(m.Params.Views[i], h)
	}
}

// stepInputs: random ids, left padding in row 1, targets with ignored
// positions.
func stepInputs() (ids, mask, tgt []int32) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := stepB * stepT
	ids, mask, tgt = make([]int32, n), make([]int32, n), make([]int32, n)
	for i := range ids {
		ids[i] = int32(rng.IntN(stepCfg.Vocab))
		mask[i] = 1
		tgt[i] = int32(rng.IntN(stepCfg.Vocab))
		if i%5 == 0 {
			tgt[i] = -1
		}
	}
	for j := 0; j < 6; j++ { // row 1 left-padded by 6
		mask[stepT+j], ids[stepT+j], tgt[stepT+j] = 0, 0, -1
	}
	return ids, mask, tgt
}

// step runs forward, loss and backward; it returns the loss.
func (s *stepSide) step(i int, ids, mask, tgt []int32) float64 {
	s.params.ZeroGrad()
	if s.grads != nil {
		s.be.Fill(s.grads.Flat, 0)
	}
	s.set.StepSeed = uint64(100 + i)
	s.run.EmbedIDs(ids)
	s.run.Forward(mask)
	loss, _ := s.run.Loss(tgt)
	s.run.BackwardLoss(1)
	s.run.EmbedBackward(ids)
	return loss
}

func download(be tensor.Backend, t *tensor.Tensor) []float32 {
	h := make([]float32, t.Len())
	be.Download(h, t)
	return h
}

// relErr is ||got - want|| / ||want|| (NaN anywhere fails as +Inf).
func relErr(got, want []float32) float64 {
	var d, n float64
	for i := range want {
		g := float64(got[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return math.Inf(1)
		}
		d += (g - float64(want[i])) * (g - float64(want[i]))
		n += float64(want[i]) * float64(want[i])
	}
	if n == 0 {
		return math.Sqrt(d)
	}
	return math.Sqrt(d / n)
}

func TestLlamaTrainingStepMatchesCPU(t *testing.T) {
	for _, tc := range []struct {
		name              string
		bf16, full, flash bool
		gemm              string   // the BF16 GEMM variant ("": the default)
		tol               float64  // relative L2 error of loss, gradients and weights
		targets           []string // LoRA targets (nil: every projection)
	}{
		{"F32/full+lora", false, true, false, "", 1e-4, nil},          // float32 attention (Options.AttentionF32)
		{"BF16frozen/lora", true, false, false, "", 3e-2, nil},        // tensor-core attention, the default
		{"BF16frozen/lora/flash", true, false, true, "", 3e-2, nil},   // fused attention (RunOptions.FlashAttention)
		{"BF16frozen/lora/v3a", true, false, false, "v3a", 3e-2, nil}, // every BF16 product on the wgmma GEMM
		{"BF16frozen/lora/v3k", true, false, false, "v3k", 3e-2, nil}, // ... on 128 x 208 tiles (tn on v3a)
		{"BF16frozen/lora/v3l", true, false, false, "v3l", 3e-2, nil}, // ... the same with TMA copies
		// LoRA on q and v only, as the paper: the MLP's products read the
		// BF16 operands SwiGLU writes (llama.Run's bf16Operand)
		{"BF16frozen/lora-qv", true, false, false, "", 3e-2, []string{"q_proj", "v_proj"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gpu := newTestBackendOpts(t, Options{AttentionF32: !tc.bf16, Profile: true})
			if tc.gemm != "" {
				if !slices.Contains(variantsUnderTest(t, gpu), tc.gemm) {
					t.Skipf("GEMM variant %s not under test here", tc.gemm)
				}
				gpu.gemmVariant = tc.gemm
			}
			cpu := tensor.NewCPU(0)
			g := newStepSide(t, gpu, true, tc.bf16, tc.full, llama.RunOptions{FlashAttention: tc.flash}, tc.targets)
			c := newStepSide(t, cpu, false, tc.bf16, tc.full, llama.RunOptions{}, tc.targets) // the CPU materialises attention
			ids, mask, tgt := stepInputs()
			h := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
			check := func(what string, got, want []float32) {
				t.Helper()
				e := relErr(got, want)
				t.Logf("%s: relative error %.2e", what, e)
				if !(e <= tc.tol) {
					t.Errorf("%s: relative error %.3e > %.0e", what, e, tc.tol)
				}
			}
			// Tensor maps (TMA variants): the first step makes most; the
			// second may make a few more, for scratch buffers that grew
			// during the first and so moved; the third makes none.
			maps := 0
			for i := 0; i < 3; i++ {
				lg, lc := g.step(i, ids, mask, tgt), c.step(i, ids, mask, tgt)
				switch i {
				case 0:
					if tc.bf16 && gpu.bf16For(64, 64, 1, false, true).tma() && gpu.tma.next == 0 { // BF16 products on a TMA variant
						t.Errorf("no tensor map made on %s", gpu.GEMMVariant())
					}
				case 1:
					maps = gpu.tma.next
				case 2:
					if gpu.tma.next != maps {
						t.Errorf("step 2 made %d tensor maps, want 0 (the first two made %d)", gpu.tma.next-maps, maps)
					}
				}
				if e := math.Abs(lg-lc) / math.Abs(lc); !(e <= tc.tol) {
					t.Errorf("step %d: loss %v on the GPU, %v on the CPU (relative %.2e)", i, lg, lc, e)
				} else {
					t.Logf("step %d: loss %.6f vs %.6f (relative %.2e)", i, lg, lc, e)
				}
				check("LoRA gradients", download(gpu, g.params.G), download(cpu, c.params.G))
				check("input gradient", download(gpu, g.run.DInput()), download(cpu, c.run.DInput()))
				if tc.full {
					check("weight gradients", download(gpu, g.grads.Flat), download(cpu, c.grads.Flat))
				}
				h.Step = i + 1
				g.params.Step(h)
				c.params.Step(h)
				check("LoRA weights after AdamW", download(gpu, g.params.W), download(cpu, c.params.W))
			}
			if err := gpu.Sync(); err != nil {
				t.Fatal(err)
			}
			// SwiGLU wrote the MLP products' BF16 operands (once per block
			// and step, forward and backward) exactly where no adapter reads
			// them: with LoRA on q and v only; the forward saved gate and up
			// in BF16 in the same pass either way.
			wantBF16Out, wantSave := 0, 0
			if tc.targets != nil {
				wantBF16Out = 3 * stepCfg.Layers
			}
			if tc.bf16 {
				wantSave = 3 * stepCfg.Layers
			}
			for k, want := range map[string]int{"swiglu_forward_save_bf16out": wantBF16Out,
				"swiglu_backward_bf16in_bf16out": wantBF16Out, "swiglu_forward_save_f32": wantSave - wantBF16Out} {
				if n := launchesOf(gpu, k); n != want {
					t.Errorf("%d launches of %s, want %d", n, k, want)
				}
			}
			if tc.gemm != "" { // every BF16 product ran on that variant or its fallbacks (plain, plain's plain)
				want := bf16Variant(tc.gemm).prefix
				allowed := map[string]bool{}
				for v := bf16Variant(tc.gemm); ; v = bf16Variant(v.plain) {
					allowed[v.prefix] = true
					if v.plain == "" {
						break
					}
				}
				n := 0
				for _, k := range gpu.Profile() {
					for _, v := range gemmBF16Variants {
						if strings.HasPrefix(k.Name, v.prefix+"_") {
							if !allowed[v.prefix] {
								t.Errorf("%s: %d launches of %s", tc.gemm, k.Launches, k.Name)
							}
							if v.prefix == want {
								n += k.Launches
							}
						}
					}
				}
				if n == 0 {
					t.Errorf("no launch of %s", want)
				}
				t.Logf("%d launches of %s_*; %d tensor maps", n, want, maps)
			}
		})
	}
}

// launchesOf returns the profiled launches of kernel name.
func launchesOf(b *Backend, name string) int {
	for _, k := range b.Profile() {
		if k.Name == name {
			return k.Launches
		}
	}
	return 0
}

// TestBF16OperandsExact: with LoRA on q and v over a BF16 backbone, the
// MLP products' BF16 operands written by SwiGLU (llama.Run's bf16Operand)
// the norms' BF16 copies of their outputs (tensor.FusedCopies,
// Run.xnCopy) and the residual gradient's BF16 copy written by its
// additions (tensor.FusedCopies, Run.dresCopy), the rotated q
// and k gradients' copies (tensor.FusedCopies, Run.gradCopy) and the
// attention output's (tensor.FusedCopies, Run.attCopy) give the
// losses and gradients of the path that writes float32 and converts
// (RunOptions.F32Operands) bit for bit over three steps, plainly and
// under checkpointing, with 12 fewer conversion launches per block and
// step but one (the saved gate and up rounded inside SwiGLU, too; 17
// under checkpointing, whose recomputed forward saves them, normalises
// and attends again) and 2 fewer additions per block and step.
func TestBF16OperandsExact(t *testing.T) {
	ids, mask, tgt := stepInputs()
	qv := []string{"q_proj", "v_proj"}
	run := func(opt llama.RunOptions) ([]float32, int, int) {
		be := newTestBackendOpts(t, Options{Profile: true})
		s := newStepSide(t, be, true, true, false, opt, qv)
		var out []float32
		for i := 0; i < 3; i++ {
			out = append(out, float32(s.step(i, ids, mask, tgt)))
			out = append(out, download(be, s.params.G)...)
			out = append(out, download(be, s.run.DInput())...)
		}
		if err := be.Sync(); err != nil {
			t.Fatal(err)
		}
		return out, launchesOf(be, "f32_to_bf16") + launchesOf(be, "f32_to_bf16_x4"), launchesOf(be, "add_f32")
	}
	for _, ck := range []bool{false, true} {
		want, convF32, addF32 := run(llama.RunOptions{Checkpoint: ck, F32Operands: true})
		got, conv, add := run(llama.RunOptions{Checkpoint: ck})
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("checkpoint %v: value %d is %v with BF16 operands, %v with F32Operands", ck, i, got[i], want[i])
			}
		}
		fewer := 12 // per block and step: h, the two saves, dGate, dUp, dres for down_proj and o_proj, the two norms' outputs, the q and k gradients, the attention output
		if ck {
			fewer += 5 // the recomputed forward saves gate and up, normalises twice and attends again (its down product does not run)
		}
		fewer = fewer*stepCfg.Layers - 1 // the final norm's gradient is converted once per step
		if convF32-conv != fewer*3 {
			t.Errorf("checkpoint %v: %d conversion launches with BF16 operands, %d with F32Operands: want %d fewer",
				ck, conv, convF32, fewer*3)
		}
		if addF32-add != 2*stepCfg.Layers*3 {
			t.Errorf("checkpoint %v: %d additions with BF16 operands, %d with F32Operands: want %d fewer",
				ck, add, addF32, 2*stepCfg.Layers*3)
		}
		t.Logf("checkpoint %v: %d values equal; conversion launches %d, %d with F32Operands; additions %d, %d",
			ck, len(want), conv, convF32, add, addF32)
	}
}

// TestFlashRunsExact: with the fused attention (and BF16 saved q, k, v),
// checkpointing and the moot RecomputeAttention give the plain run's
// losses and gradients bit for bit over three steps: each block's backward
// reruns its own fused forward, the recomputed blocks read the right saved
// tensors, and the fused kernels sum in a fixed order.
func TestFlashRunsExact(t *testing.T) {
	be := newTestBackend(t)
	ids, mask, tgt := stepInputs()
	run := func(opt llama.RunOptions) []float32 {
		opt.FlashAttention = true
		s := newStepSide(t, be, true, true, false, opt, nil)
		for l := 0; l < stepCfg.Layers; l++ { // adapters on q and v only, as the paper trains: no
			// adapter reads the attention output, so backward reruns the fused
			// forward for the fused backward alone
			for _, p := range []llama.Proj{llama.ProjK, llama.ProjO, llama.ProjGate, llama.ProjUp, llama.ProjDown} {
				s.m.SetAdapter(l, p, nil)
			}
		}
		var out []float32
		for i := 0; i < 3; i++ {
			out = append(out, float32(s.step(i, ids, mask, tgt)))
			out = append(out, download(be, s.params.G)...)
			out = append(out, download(be, s.run.DInput())...)
		}
		return out
	}
	want := run(llama.RunOptions{})
	for name, opt := range map[string]llama.RunOptions{
		"checkpoint":          {Checkpoint: true},
		"recompute-attention": {RecomputeAttention: true},
	} {
		got := run(opt)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("%s: value %d of %d is %v, plain run %v", name, i, len(want), got[i], want[i])
				break
			}
		}
	}
	if err := be.Sync(); err != nil {
		t.Fatal(err)
	}
}
