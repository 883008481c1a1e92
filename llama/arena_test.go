package llama

import (
	"fmt"

	"strings"
	"testing"

	"embrec/tensor"
)

// TestArenaChunks: an arena split over many allocations (as a 3B model's
// is) computes exactly what one allocation does.
func TestArenaChunks(t *testing.T) {
	c := Config{Hidden: 32, Intermediate: 64, Layers: 2, Heads: 4, KVHeads: 2, HeadSize: 8,
		Vocab: 50, MaxPos: 16, NormEps: 1e-6, RopeTheta: 10000}
	be := tensor.NewCPU(1)
	m, err := NewRandom(c, be, 0.05, 1)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int32{1, 2, 3, 4, 5, 6, 7, 8}
	tgt := []int32{2, 3, 4, -1, 6, 7, 8, 9}
	step := func() (float64, []float32, int) {
		g, gp := m.NewGrads()
		r := m.NewRun(2, 4, RunOptions{Grads: g})
		r.EmbedIDs(ids)
		r.Forward(nil)
		loss, _ := r.Loss(tgt)
		r.BackwardLoss(1)
		r.EmbedBackward(ids)
		return loss, append([]float32(nil), tensor.Float32s(gp.Flat)...), len(r.arenaFlat)
	}
	l1, g1, n1 := step()
	old := arenaChunk
	arenaChunk = 300 // smaller than some single buffers: those get their own
	defer func() { arenaChunk = old }()
	l2, g2, n2 := step()
	if n1 != 1 || n2 < 10 {
		t.Fatalf("%d and %d allocations", n1, n2)
	}
	if l1 != l2 {
		t.Errorf("loss %v with one allocation, %v with %d", l1, l2, n2)
	}
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("gradient %d: %v vs %v", i, g1[i], g2[i])
		}
	}
}

// inputCheck wraps an adapter and records whether Backward was handed the
// x that Forward saw (the Adapter contract).
type inputCheck struct {
	*denseAdapter
	seen  []float32
	wrong bool
}

func (a *inputCheck) Forward(out, x *tensor.Tensor) {
	a.seen = host(a.b, x)
	a.denseAdapter.Forward(out, x)
}

func (a *inputCheck) Backward(dx, dOut, x *tensor.Tensor) {
	if d, _ := maxAbsDiff(a.seen, host(a.b, x)); d != 0 {
		a.wrong = true
	}
	a.denseAdapter.Backward(dx, dOut, x)
}

// adaptedStep runs one forward/backward of smallConfig at (B, T) = (2, 7)
// with a left-padded row, full weight gradients and an inputCheck adapter
// on every projection of every layer (the Run made before the adapters
// are set when runFirst). It returns the loss, the input gradient, the
// adapters' and the weights' gradients in one slice, and the adapters
// whose Backward was handed another x than their Forward saw.
func adaptedStep(b tensor.Backend, opt RunOptions, runFirst bool) (vals []float32, wrong []string) {
	cfg := smallConfig()
	const B, T = 2, 7
	ids, targets := testTokens(cfg, B*T)
	mask := []int32{0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	m, _ := NewRandom(cfg, b, 0.2, 3)
	g, gp := m.NewGrads()
	opt.Grads = g
	var r *Run
	if runFirst {
		r = m.NewRun(B, T, opt)
	}
	var ads []*inputCheck
	for l := 0; l < cfg.Layers; l++ {
		for p := ProjQ; p < numProj; p++ {
			w := m.Layers[l].Weight(p)
			D := b.New(tensor.F32, w.Shape()...)
			dv := make([]float32, D.Len())
			for i := range dv {
				dv[i] = float32((i+l+int(p))%13-6) * 0.01
			}
			b.Upload(D, dv)
			a := &inputCheck{denseAdapter: &denseAdapter{b: b, D: D, dD: b.New(tensor.F32, w.Shape()...)}}
			m.SetAdapter(l, p, a)
			ads = append(ads, a)
		}
	}
	if !runFirst {
		r = m.NewRun(B, T, opt)
	}
	r.EmbedIDs(ids)
	r.Forward(mask)
	loss, _ := r.Loss(targets)
	r.BackwardLoss(1)
	vals = append([]float32{float32(loss)}, host(b, r.DInput())...)
	for i, a := range ads {
		if a.wrong {
			wrong = append(wrong, fmt.Sprintf("layer %d %v", i/int(numProj), Proj(i%int(numProj))))
		}
		vals = append(vals, host(b, a.dD)...)
	}
	return append(vals, tensor.Float32s(gp.Flat)...), wrong
}

// TestRecomputedInputsExact: the inputs of the linear layers are not saved
// per block but recomputed in backward where a gradient reads them. With
// adapters on all seven projections, full weight gradients and a padded
// row (adaptedStep), every adapter's Backward gets the input its Forward
// saw, and the plain run, the checkpointing run (which recomputes whole
// blocks) and the run that recomputes attention give bit-identical losses
// and gradients; so does a run made before the adapters were set.
func TestRecomputedInputsExact(t *testing.T) {
	b := tensor.NewCPU(1)
	want, _ := adaptedStep(b, RunOptions{}, false)
	for _, c := range []struct {
		name     string
		opt      RunOptions
		runFirst bool
	}{
		{"plain", RunOptions{}, false},
		{"checkpoint", RunOptions{Checkpoint: true}, false},
		{"recompute-attention", RunOptions{RecomputeAttention: true}, false},
		{"both", RunOptions{Checkpoint: true, RecomputeAttention: true}, false},
		{"run-before-adapters", RunOptions{}, true},
	} {
		got, wrong := adaptedStep(b, c.opt, c.runFirst)
		if len(wrong) > 0 {
			t.Errorf("%s: Backward's x is not Forward's for %v", c.name, wrong)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: value %d of %d is %v, plain run %v", c.name, i, len(want), got[i], want[i])
				break
			}
		}
	}
}

// TestActivationBytesFormula: the arena is the size ActivationBytes'
// documentation gives, for every option.
func TestActivationBytesFormula(t *testing.T) {
	c := Config{Hidden: 48, Intermediate: 112, Layers: 3, Heads: 6, KVHeads: 2, HeadSize: 8,
		Vocab: 50, MaxPos: 64, NormEps: 1e-6, RopeTheta: 10000}
	C, H, q, kv, L, NH := c.Hidden, c.Intermediate, c.QDim(), c.KVDim(), c.Layers, c.Heads
	for _, B := range []int{1, 3} {
		for _, T := range []int{5, 16} {
			for _, rows := range []int{0, 4} {
				for _, ck := range []bool{false, true} {
					for _, ra := range []bool{false, true} {
						for _, bf := range []bool{false, true} {
							for _, fa := range []bool{false, true} {
								opt := RunOptions{Checkpoint: ck, RecomputeAttention: ra, SaveBF16: bf, FlashAttention: fa,
									MaxLogitRows: rows}
								N, R, S := B*T, rows, L
								if R == 0 {
									R = N
								}
								if ck {
									S = 1
								}
								perBlock, scratch := C+2+q+2*kv+2*H+NH*T, 5*C+4*q+3*kv+4*H+2
								switch {
								case fa:
									perBlock -= NH * T
									scratch += NH
								case ra && !ck:
									perBlock -= NH * T
									scratch += NH * T
								}
								want := 4 * int64(N*((L+1)*C+S*perBlock+scratch)+(c.Vocab+C+1)*R)
								if bf {
									want -= 2 * int64(N*S*2*H)   // 2 of the 4 bytes of each saved gate and up value
									want += 2 * int64(N*(2*H+C)) // BF16 operands: dGate, dUp (silu(gate)*up shares dGate's), dres
								}
								if bf && fa {
									want -= 2 * int64(N*S*(q+2*kv)) // and of each saved q, k and v value
								}
								if got := ActivationBytes(c, B, T, opt); got != want {
									t.Errorf("(B, T) = (%d, %d), %+v: %d bytes, documented %d", B, T, opt, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestSaveBF16: keeping the saved gate and up in BF16 leaves the forward
// pass (the loss) unchanged, moves the gradients by about BF16's rounding,
// and gives the same gradients with checkpointing or recomputed attention
// (the MLP input of down_proj is recomputed from the rounded values there
// too); adaptedStep's adapters, weight gradients and padding.
func TestSaveBF16(t *testing.T) {
	b := tensor.NewCPU(1)
	f32, _ := adaptedStep(b, RunOptions{}, false)
	bf, _ := adaptedStep(b, RunOptions{SaveBF16: true}, false)
	if bf[0] != f32[0] {
		t.Errorf("loss %v with SaveBF16, %v without", bf[0], f32[0])
	}
	d, at := maxAbsDiff(f32[1:], bf[1:])
	scale, _ := maxAbsDiff(f32[1:], make([]float32, len(f32)-1))
	if d == 0 || d > 2e-2*scale {
		t.Errorf("gradients moved by %.3g (at %d) of scale %.3g: want more than 0, at most 2e-2 of it", d, at, scale)
	}
	t.Logf("SaveBF16: gradients within %.2e of scale %.3g", d, scale)
	for _, opt := range []RunOptions{{SaveBF16: true, Checkpoint: true}, {SaveBF16: true, RecomputeAttention: true}} {
		got, _ := adaptedStep(b, opt, false)
		for i := range bf {
			if got[i] != bf[i] {
				t.Errorf("%+v: value %d is %v, %v without", opt, i, got[i], bf[i])
				break
			}
		}
	}
}

// TestFlashAttentionNeedsBackend: the CPU backend has no fused attention,
// so a Run asking for it is refused with a message.
func TestFlashAttentionNeedsBackend(t *testing.T) {
	c := Config{Hidden: 16, Intermediate: 32, Layers: 1, Heads: 2, KVHeads: 1, HeadSize: 8, Vocab: 20, MaxPos: 8,
		NormEps: 1e-6, RopeTheta: 10000}
	m, err := NewRandom(c, tensor.NewCPU(1), 0.02, 1)
	if err != nil {
		t.Fatal(err)
	}
	if FlashAttentionSupported(m.Backend, c) {
		t.Fatal("the CPU backend reports fused attention")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "FlashAttention") {
			t.Errorf("NewRun with FlashAttention on the CPU: panic %v", r)
		}
	}()
	m.NewRun(1, 4, RunOptions{FlashAttention: true})
}

// TestForwardAllocatesNothing: once a Run exists, a forward pass allocates
// nothing on the Go heap (the arena holds every buffer; the shared-input
// products use the Run's scratch slices). Loss and backward still take a
// few tensor views per step (18 allocations here, before this test too).
func TestForwardAllocatesNothing(t *testing.T) {
	c := Config{Hidden: 16, Intermediate: 32, Layers: 3, Heads: 2, KVHeads: 1, HeadSize: 8, Vocab: 20, MaxPos: 8,
		NormEps: 1e-6, RopeTheta: 10000}
	m, err := NewRandom(c, tensor.NewCPU(1), 0.02, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := m.NewRun(2, 4, RunOptions{})
	r.EmbedIDs([]int32{1, 2, 3, 4, 5, 6, 7, 8})
	r.Forward(nil)
	if n := testing.AllocsPerRun(5, func() { r.Forward(nil) }); n != 0 {
		t.Errorf("%v allocations per forward pass", n)
	}
}
