// Residual dropout: the input gradient through dropped blocks agrees with
// central differences of the same masked network, a checkpointing run
// redraws the same masks, and rate 0 is the plain network.

package llama

import (
	"math"
	"testing"

	"embrec/tensor"
)

func TestResidualDropoutGradients(t *testing.T) {
	b := tensor.NewCPU(1)
	m, err := NewRandom(smallConfig(), b, 0.2, 5)
	if err != nil {
		t.Fatal(err)
	}
	const B, T, p, seed = 2, 6, 0.3, 77
	ids := []int32{1, 5, 9, 14, 3, 22, 1, 40, 7, 7, 30, 2}
	tgt := []int32{5, 9, 14, 3, 22, -1, 40, 7, 7, 30, 2, 8}
	// loss runs one forward with the given rate on input embeddings in,
	// and returns the loss, the input gradient and the weight gradients
	// (when backward).
	loss := func(opt RunOptions, rate float32, in []float32, backward bool) (float64, []float32, []float32) {
		g, gp := m.NewGrads()
		opt.Grads = g
		r := m.NewRun(B, T, opt)
		r.EmbedIDs(ids)
		if in != nil {
			b.Upload(r.Input(), in)
		}
		r.SetDropout(rate, seed)
		r.Forward(nil)
		l, _ := r.Loss(tgt)
		if !backward {
			return l, nil, nil
		}
		r.BackwardLoss(1)
		return l, host(b, r.DInput()), append([]float32(nil), tensor.Float32s(gp.Flat)...)
	}
	plain, _, _ := loss(RunOptions{}, 0, nil, false)
	dropped, dIn, dW := loss(RunOptions{}, p, nil, true)
	if plain == dropped {
		t.Fatalf("loss %v with and without dropout: no mask applied", plain)
	}
	// A checkpointing run recomputes each block, redrawing its masks.
	dropped2, dIn2, dW2 := loss(RunOptions{Checkpoint: true}, p, nil, true)
	if dropped2 != dropped {
		t.Errorf("checkpointed loss %v, plain %v", dropped2, dropped)
	}
	if d, at := maxAbsDiff(dIn2, dIn); d != 0 {
		t.Errorf("checkpointed input gradient differs by %g at %d", d, at)
	}
	if d, at := maxAbsDiff(dW2, dW); d != 0 {
		t.Errorf("checkpointed weight gradient differs by %g at %d", d, at)
	}
	// Central differences of the masked loss in the largest input-gradient
	// entries of each position.
	emb := make([]float32, len(dIn))
	{
		r := m.NewRun(B, T, RunOptions{})
		r.EmbedIDs(ids)
		copy(emb, host(b, r.Input()))
	}
	C := m.Config.Hidden
	for pos := 0; pos < B*T; pos++ {
		i := pos * C
		for j := pos * C; j < (pos+1)*C; j++ {
			if math.Abs(float64(dIn[j])) > math.Abs(float64(dIn[i])) {
				i = j
			}
		}
		old := emb[i]
		const h = 1e-2
		emb[i] = old + h
		lp, _, _ := loss(RunOptions{}, p, emb, false)
		emb[i] = old - h
		lm, _, _ := loss(RunOptions{}, p, emb, false)
		emb[i] = old
		num := (lp - lm) / (2 * h)
		if math.Abs(num-float64(dIn[i])) > 0.05*math.Abs(num)+1e-4 {
			t.Errorf("d loss / d input[%d] = %.6g, central difference %.6g", i, dIn[i], num)
		}
	}
	// Rate 0 after a dropped step is the plain network again.
	again, _, _ := loss(RunOptions{}, 0, nil, false)
	if again != plain {
		t.Errorf("rate 0: loss %v, want %v", again, plain)
	}
}
