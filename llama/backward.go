// Backward of the whole network, written out block by block: from dLogits
// of the selected rows (or a loss) to the gradient of the input
// embeddings (DInput), the weight gradients that RunOptions.Grads asks for,
// and the adapters' own gradients.

package llama

import (
	"fmt"

	"embrec/tensor"
)

// BackwardLoss backpropagates scale times the mean loss of the last Loss
// call (scale 1 for a plain step; 1/k when accumulating k micro-batches).
func (r *Run) BackwardLoss(scale float32) {
	if !r.lossReady {
		panic("llama: BackwardLoss before Loss")
	}
	r.lossReady = false
	n := r.nrows
	if n == 0 {
		r.m.Backend.Fill(r.dres, 0)
		return
	}
	lg := r.logits.View(0, n, r.m.Config.Vocab)
	// dLogits overwrite the logits in place (allowed by the op).
	r.m.Backend.CrossEntropyBackward(lg, lg, r.tsel[:n], scale/float32(n))
	r.Backward(lg)
}

// Backward backpropagates dLogits (len(rows), V) for the rows of the last
// Logits call. Afterwards DInput holds the gradient w.r.t. the input
// embeddings; weight and adapter gradients have been accumulated.
func (r *Run) Backward(dLogits *tensor.Tensor) {
	if !r.forwardReady {
		panic("llama: Backward before Forward")
	}
	m, b, C := r.m, r.m.Backend, r.m.Config.Hidden
	n := r.nrows
	if dLogits.Rows() != n || dLogits.Cols() != m.Config.Vocab {
		panic(fmt.Sprintf("llama: Backward: dLogits %v for %d selected rows", dLogits, n))
	}
	if r.allRows {
		b.MatMul(r.dxn, dLogits, m.Head, false, false, 0) // (N, C) = (N, V) @ (V, C)
		if r.g.Head != nil {
			b.MatMul(r.g.Head, dLogits, r.xnF, true, false, 1)
		}
	} else {
		b.Fill(r.dxn, 0)
		if n > 0 {
			dsel := r.dtmp.View(0, n, C)
			b.MatMul(dsel, dLogits, m.Head, false, false, 0)
			if r.g.Head != nil {
				b.MatMul(r.g.Head, dLogits, r.sel.View(0, n, C), true, false, 1)
			}
			b.ScatterRows(r.dxn, dsel, r.rows[:n])
		}
	}
	r.BackwardHidden(r.dxn)
}

// BackwardHidden backpropagates a gradient w.r.t. Hidden (the final
// RMSNorm's output), given as (N, C) or (B, T, C); it may alias no arena
// buffer but the one Backward passes.
func (r *Run) BackwardHidden(dHidden *tensor.Tensor) {
	if !r.forwardReady {
		panic("llama: BackwardHidden before Forward")
	}
	m, b, c := r.m, r.m.Backend, r.m.Config
	if dHidden.Len() != r.N*c.Hidden {
		panic(fmt.Sprintf("llama: BackwardHidden: dHidden %v for (B, T) = (%d, %d)", dHidden, r.B, r.T))
	}
	d := dHidden
	if d.Rank() != 2 {
		d = d.Reshape(r.N, c.Hidden)
	}
	b.RMSNormBackward(r.dres, r.g.Norm, d, r.res[c.Layers], m.Norm, r.rstdF)
	if cp := r.dresCopy(c.Layers-1, ProjDown); cp != nil {
		b.Copy(cp, r.dres)
	}
	for l := c.Layers - 1; l >= 0; l-- {
		a := r.layerActs(l)
		if r.opt.Checkpoint {
			r.layerForward(l, a, r.res[l], nil)
		}
		r.layerBackward(l, a, r.res[l])
	}
}

// layerBackward turns dres, the gradient w.r.t. block l's output, into the
// gradient w.r.t. its input in (in place), accumulating weight gradients.
// The inputs of the linear layers are recomputed into the run's scratch
// only where a weight gradient or an adapter reads them; after a
// checkpointing recompute (layerForward with a nil out) the scratch still
// holds silu(gate)*up, the MLP norm's output and the attention of this
// block.
func (r *Run) layerBackward(l int, a *layerActs, in *tensor.Tensor) {
	m, b, c, s := r.m, r.m.Backend, r.m.Config, &r.scr
	L, G := &m.Layers[l], &r.g.Layers[l]
	fresh := r.opt.Checkpoint
	// MLP: out = res2 + down(silu(gate(xn2)) * up(xn2)), xn2 = norm(res2).
	// Under SaveBF16, silu(gate)*up is recomputed from the saved (rounded)
	// values even after a checkpointing recompute, so that both give the
	// same gradients.
	if (!fresh || r.opt.SaveBF16) && r.readsInput(l, ProjDown) {
		b.SwiGLUForward(s.h, a.gate, a.up)
	}
	dOut, dOutB := r.branchGrad(l, ProjDown, dropMLP)
	m.linearBackward(r.dh, G.Down, dOut, dOutB, s.h, L.Down, l, ProjDown, 0)
	dgate, dup := r.dgate, r.dup
	if r.bf16Operand(l, ProjGate, ProjUp) {
		dgate, dup = r.cp.dgate, r.cp.dup
	}
	b.SwiGLUBackward(dgate, dup, r.dh, a.gate, a.up)
	if !fresh && (r.readsInput(l, ProjGate) || r.readsInput(l, ProjUp)) {
		b.RMSNormForward(s.xn, s.rstd, a.res2, L.MLPNorm, c.NormEps)
	}
	m.linearBackward(r.dxn, G.Gate, dgate, nil, s.xn, L.Gate, l, ProjGate, 0)
	m.linearBackward(r.dxn, G.Up, dup, nil, s.xn, L.Up, l, ProjUp, 1)
	// now d res2 (and its copy for o_proj)
	r.addNormBackward(r.dresCopy(l, ProjO), G.MLPNorm, r.dxn, a.res2, L.MLPNorm, a.rstd2)
	// Attention: res2 = in + o(attn(rope(q(xn1)), rope(k(xn1)), v(xn1))).
	// Recomputing rewrites probs (or the fused attention's output and
	// log-sum-exp, which its backward reads) with what the forward wrote.
	if !fresh && (r.opt.RecomputeAttention || r.opt.FlashAttention || r.readsInput(l, ProjO)) {
		r.attentionForward(a, nil) // o_proj's input gradient reads dres, not this output
	}
	dOut, dOutB = r.branchGrad(l, ProjO, dropAttn)
	m.linearBackward(r.datt, G.O, dOut, dOutB, s.att, L.O, l, ProjO, 0)
	if r.opt.FlashAttention {
		b.(tensor.FlashAttention).FlashAttentionBackward(r.dq3, r.dk3, r.dv3, r.datt3, a.q3, a.k3, a.v3, s.a3, s.lse,
			r.mask, c.Heads, c.KVHeads)
	} else {
		b.AttentionBackward(r.dq3, r.dk3, r.dv3, r.datt3, a.q3, a.k3, a.v3, a.probs, c.Heads, c.KVHeads)
	}
	qb, kb := r.gradCopy(l, ProjQ), r.gradCopy(l, ProjK)
	tensor.Copies(b).RoPEBackwardCopy(r.tmpQ, qb, r.dq, m.cos, m.sin, r.pos, false)
	tensor.Copies(b).RoPEBackwardCopy(r.tmpK, kb, r.dk, m.cos, m.sin, r.pos, false)
	if r.readsInput(l, ProjQ) || r.readsInput(l, ProjK) || r.readsInput(l, ProjV) {
		b.RMSNormForward(s.xn, s.rstd, in, L.AttnNorm, c.NormEps)
	}
	m.linearBackward(r.dxn, G.Q, r.tmpQ, qb, s.xn, L.Q, l, ProjQ, 0)
	m.linearBackward(r.dxn, G.K, r.tmpK, kb, s.xn, L.K, l, ProjK, 1)
	m.linearBackward(r.dxn, G.V, r.dv, nil, s.xn, L.V, l, ProjV, 1)
	// now d in (and its copy for the down_proj of the block below)
	r.addNormBackward(r.dresCopy(l-1, ProjDown), G.AttnNorm, r.dxn, in, L.AttnNorm, a.rstd1)
}

// addNormBackward adds the input gradient of an RMSNorm (weight w,
// gradient dW or nil) into dres: under bf16Operands in one pass that also
// writes dres's BF16 copy cp when not nil (tensor.FusedCopies),
// else as RMSNormBackward into dtmp and an Add (RunOptions.F32Operands).
func (r *Run) addNormBackward(cp, dW, dOut, in, w, rstd *tensor.Tensor) {
	b := r.m.Backend
	if r.opt.bf16Operands() {
		tensor.Copies(b).RMSNormBackwardAdd(r.dtmp, r.dres, cp, dW, dOut, in, w, rstd)
		return
	}
	b.RMSNormBackward(r.dtmp, dW, dOut, in, w, rstd)
	b.Add(r.dres, r.dres, r.dtmp)
}

// readsInput reports whether the backward of projection p in layer l reads
// its input: for a weight gradient or an adapter.
func (r *Run) readsInput(l int, p Proj) bool {
	return r.m.adapters[l][p] != nil || r.g.Layers[l].Weight(p) != nil
}

// DInput returns the (B, T, C) gradient w.r.t. Input after a backward
// pass: the projectors' upstream gradient.
func (r *Run) DInput() *tensor.Tensor { return r.dres3 }
