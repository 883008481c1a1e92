// The adapter hook: a full-rank adapter delta(x) = x D^T on a projection
// must act exactly like the merged weight W + D, and its gradient must equal
// the merged model's weight gradient; frozen runs allocate no gradients
// and give the same dInput.

package llama

import (
	"testing"

	"embrec/tensor"
)

// denseAdapter adds x D^T and accumulates dD.
type denseAdapter struct {
	b     tensor.Backend
	D, dD *tensor.Tensor // (out, in)
	calls int
}

func (a *denseAdapter) Forward(out, x *tensor.Tensor) {
	a.b.MatMul(out, x, a.D, false, true, 1)
	a.calls++
}

func (a *denseAdapter) Backward(dx, dOut, x *tensor.Tensor) {
	a.b.MatMul(dx, dOut, a.D, false, false, 1)
	a.b.MatMul(a.dD, dOut, x, true, false, 1)
}

// testTokens returns n input ids and next-token targets that cover the
// vocabulary in a fixed pattern.
func testTokens(cfg Config, n int) (ids, targets []int32) {
	ids, targets = make([]int32, n), make([]int32, n)
	for i := range ids {
		ids[i] = int32((i*7 + 3) % cfg.Vocab)
		targets[i] = int32((i*5 + 1) % cfg.Vocab)
	}
	return ids, targets
}

func TestAdapterEqualsMergedWeight(t *testing.T) {
	b := tensor.NewCPU(1)
	cfg := smallConfig()
	base, _ := NewRandom(cfg, b, 0.2, 3)
	merged, _ := NewRandom(cfg, b, 0.2, 3)
	B, T := 2, 7
	ids, targets := testTokens(cfg, B*T)
	targets[3] = -100
	for _, p := range []Proj{ProjQ, ProjK, ProjV, ProjO, ProjGate, ProjUp, ProjDown} {
		t.Run(p.String(), func(t *testing.T) {
			l := 1
			w := base.Layers[l].Weight(p)
			D := b.New(tensor.F32, w.Shape()...)
			vals := make([]float32, D.Len())
			for i := range vals {
				vals[i] = float32((i%13)-6) * 0.01
			}
			b.Upload(D, vals)
			a := &denseAdapter{b: b, D: D, dD: b.New(tensor.F32, w.Shape()...)}
			base.SetAdapter(l, p, a)
			defer base.SetAdapter(l, p, nil)
			mw := merged.Layers[l].Weight(p)
			b.Copy(mw, w)
			b.Add(mw, mw, D)
			defer b.Copy(mw, w)

			r1 := base.NewRun(B, T, RunOptions{Checkpoint: true})
			r1.EmbedIDs(ids)
			r1.Forward(nil)
			l1, _ := r1.Loss(targets)
			r1.BackwardLoss(1)

			g, _ := merged.NewGrads()
			r2 := merged.NewRun(B, T, RunOptions{Grads: g})
			r2.EmbedIDs(ids)
			r2.Forward(nil)
			l2, _ := r2.Loss(targets)
			r2.BackwardLoss(1)
			if d := l1 - l2; d > 1e-5 || d < -1e-5 {
				t.Errorf("loss with adapter %g, merged %g", l1, l2)
			}
			if d, _ := maxAbsDiff(host(b, r1.DInput()), host(b, r2.DInput())); d > 1e-5 {
				t.Errorf("dInput differs by %g", d)
			}
			if d, _ := maxAbsDiff(host(b, a.dD), host(b, g.Layers[l].Weight(p))); d > 1e-5 {
				t.Errorf("adapter gradient differs from merged weight gradient by %g", d)
			}
			want := 2 // forward + checkpoint recomputation (which skips down_proj)
			if p == ProjDown {
				want = 1
			}
			if a.calls != want {
				t.Errorf("adapter Forward called %d times, want %d", a.calls, want)
			}
		})
	}
}

func TestFrozenRunHasNoGradients(t *testing.T) {
	b := tensor.NewCPU(1)
	m, _ := NewRandom(smallConfig(), b, 0.2, 5)
	B, T := 1, 6
	frozen := ActivationBytes(m.Config, B, T, RunOptions{})
	ckpt := ActivationBytes(m.Config, B, T, RunOptions{Checkpoint: true})
	if ckpt >= frozen {
		t.Errorf("checkpointing arena %d bytes >= %d", ckpt, frozen)
	}
	ids := []int32{1, 4, 9, 16, 25, 36}
	targets := []int32{4, 9, 16, 25, 36, -100}
	r := m.NewRun(B, T, RunOptions{})
	r.EmbedIDs(ids)
	r.Forward(nil)
	r.Loss(targets)
	r.BackwardLoss(1)
	d1 := host(b, r.DInput())
	g, _ := m.NewGrads()
	r2 := m.NewRun(B, T, RunOptions{Grads: g})
	r2.EmbedIDs(ids)
	r2.Forward(nil)
	r2.Loss(targets)
	r2.BackwardLoss(1)
	if d, _ := maxAbsDiff(d1, host(b, r2.DInput())); d != 0 {
		t.Errorf("dInput frozen vs full differs by %g", d)
	}
	if r.g.Embed != nil || r.g.Layers[0].Q != nil {
		t.Error("frozen run has gradient buffers")
	}
}
