// Run: one forward/backward pass over a (B, T) batch, written out layer by
// layer (llm.c style): embed ids or take ready embeddings, run the blocks,
// compute the lm_head for selected rows only, and a loss.

package llama

import (
	"fmt"

	"embrec/tensor"
)

// RunOptions configure a Run.
type RunOptions struct {
	// Checkpoint keeps only the residual stream at block boundaries and
	// recomputes each block's activations in Backward (about one more
	// forward pass of compute for L-fold less activation memory).
	Checkpoint bool
	// RecomputeAttention keeps no attention softmax per block: backward
	// reruns each block's attention forward from its saved q, k and v
	// (a small share of a step's compute) for B*NH*T*T fewer floats per
	// block.
	RecomputeAttention bool
	// FlashAttention runs attention on the backend's fused kernels
	// (tensor.FlashAttention): no softmax is kept anywhere, only each query
	// row's log-sum-exp (B*NH*T floats, one scratch copy), and backward
	// reruns each block's fused forward for its output before the fused
	// backward. NewRun panics if the backend lacks it or the head size is
	// over its limit (FlashAttentionSupported). It makes RecomputeAttention
	// moot: there is no softmax to keep or share.
	FlashAttention bool
	// SaveBF16 keeps the gate and up projections that each block saves for
	// its backward in BF16: 2H of a block's saved floats at half the bytes.
	// The forward pass is unchanged; the backward then computes from their
	// rounded values (relative error about 2^-9 in the MLP's gradients).
	SaveBF16 bool
	// F32Operands, under SaveBF16, keeps SwiGLU's outputs float32 where a
	// BF16 product's operand would do (Run.bf16Operand), so the products
	// convert them, and saves gate and up with separate conversions
	// instead of inside the SwiGLU pass (tensor.FusedCopies); and adds the
	// norms' input gradients into the residual gradient with a separate
	// pass, which the down_proj and o_proj products then convert (instead
	// of tensor.FusedCopies writing its BF16 copy in the same
	// pass, Run.dresCopy), and has the norms' outputs, the attention
	// output and the rotated q and k gradients converted by the products
	// too (instead of tensor.FusedCopies, Run.xnCopy;
	// tensor.FusedCopies, Run.attCopy; tensor.FusedCopies,
	// Run.gradCopy): the same results bit for bit, 2H + C fewer BF16
	// values of arena per token, and twelve more conversion passes and two
	// more additions per block. For comparisons (bench train
	// -f32-operands).
	F32Operands bool
	// MaxLogitRows bounds the rows Logits and Loss may select (default,
	// 0: all B*T rows). The logits buffer is MaxLogitRows x V.
	MaxLogitRows int
	// Grads receives weight gradients (accumulated, +=); nil fields, or a
	// nil Grads, are frozen and cost nothing. See Model.NewGrads.
	Grads *Weights
}

// bf16Operands reports whether the passes that produce a BF16 product's
// operand write it in BF16 themselves (SaveBF16 without F32Operands):
// SwiGLU its outputs and saved copies, the norms their outputs' copies,
// the attention its output's copy, the residual gradient's additions its
// copy, the backward RoPE the q and k gradients' copies.
func (o RunOptions) bf16Operands() bool { return o.SaveBF16 && !o.F32Operands }

// Run holds the activation arena of one (B, T) shape. It is reused across
// steps; steady-state steps allocate (almost) nothing. A Run is not safe
// for concurrent use, and the Model's Backend drives it.
type Run struct {
	m         *Model
	B, T, N   int
	opt       RunOptions
	g         *Weights
	arenaFlat []*tensor.Tensor // the arena's allocations

	res  []*tensor.Tensor // (L+1) x (N, C): res[0] is the input embedding
	acts []layerActs      // (L), or (1) when checkpointing
	scr  runScratch       // unsaved block buffers, one copy

	tmpQ, tmpK   *tensor.Tensor // (N, NH*HS), (N, NKV*HS) pre-RoPE projections
	xnF, rstdF   *tensor.Tensor // (N, C), (N) final RMSNorm
	sel          *tensor.Tensor // (R, C) gathered rows of xnF
	logits       *tensor.Tensor // (R, V)
	losses       *tensor.Tensor // (R)
	dres, dtmp   *tensor.Tensor // (N, C) x2
	dxn          *tensor.Tensor // (N, C)
	dgate, dup   *tensor.Tensor // (N, H) x2
	cp           bf16Copies     // the BF16 operands that passes write beside their float32 results
	dh           *tensor.Tensor // (N, H)
	datt, dq     *tensor.Tensor // (N, NH*HS) x2
	dk, dv       *tensor.Tensor // (N, NKV*HS) x2
	dq3, dk3     *tensor.Tensor // 3-D views of dq, dk, dv, datt
	dv3, datt3   *tensor.Tensor
	in3, dres3   *tensor.Tensor // (B, T, C) views of res[0], dres
	maxRows      int
	mask, pos    []int32 // (B*T)
	rows, tsel   []int32 // selected rows of the last Logits/Loss, their targets
	nrows        int     // number of selected rows
	allRows      bool    // the last Logits selected every row in order
	lossReady    bool
	hostLosses   []float32
	forwardReady bool
	dropP        float32 // residual dropout of Forward and Backward (SetDropout)
	dropSeed     uint64
	linO, linW   [3]*tensor.Tensor // the outputs and weights of a shared-input product (linOuts)
}

// linOuts returns outs in the Run's scratch slice (no allocation per step).
func (r *Run) linOuts(outs ...*tensor.Tensor) []*tensor.Tensor {
	n := copy(r.linO[:], outs)
	return r.linO[:n]
}

// NewRun allocates the arena for batches of shape (B, T), T <= MaxPos.
// Its size is ActivationBytes(m.Config, B, T, opt).
func (m *Model) NewRun(B, T int, opt RunOptions) *Run {
	if B <= 0 || T <= 0 || T > m.Config.MaxPos {
		panic(fmt.Sprintf("llama: NewRun: (B, T) = (%d, %d), T must be in [1, %d]", B, T, m.Config.MaxPos))
	}
	if opt.FlashAttention && !FlashAttentionSupported(m.Backend, m.Config) {
		panic(fmt.Sprintf("llama: NewRun: FlashAttention on backend %s (head size %d)", m.Backend.Name(), m.Config.HeadSize))
	}
	r := &Run{m: m}
	ar := r.plan(m.Config, B, T, opt)
	r.arenaFlat = ar.alloc(m.Backend)
	for i := range r.acts {
		if r.acts[i].probs == nil {
			r.acts[i].probs = r.scr.probs
		}
		r.acts[i].views(B, T)
	}
	r.scr.a3 = r.scr.att.Reshape(B, T, r.scr.att.Cols())
	C := m.Config.Hidden
	r.dq3 = r.dq.Reshape(B, T, r.dq.Cols())
	r.dk3 = r.dk.Reshape(B, T, r.dk.Cols())
	r.dv3 = r.dv.Reshape(B, T, r.dv.Cols())
	r.datt3 = r.datt.Reshape(B, T, r.datt.Cols())
	r.in3 = r.res[0].Reshape(B, T, C)
	r.dres3 = r.dres.Reshape(B, T, C)
	r.g = opt.Grads
	if r.g == nil {
		r.g = &Weights{}
	}
	if len(r.g.Layers) == 0 {
		r.g.Layers = make([]Layer, m.Config.Layers)
	}
	r.mask = make([]int32, r.N)
	r.pos = make([]int32, r.N)
	r.rows = make([]int32, r.maxRows)
	r.tsel = make([]int32, r.maxRows)
	r.hostLosses = make([]float32, r.maxRows)
	return r
}

// plan requests every buffer of the arena (shared by NewRun and
// ActivationBytes).
func (r *Run) plan(c Config, B, T int, opt RunOptions) *arena {
	r.B, r.T, r.N, r.opt = B, T, B*T, opt
	N, C, H, q, kv := B*T, c.Hidden, c.Intermediate, c.QDim(), c.KVDim()
	r.maxRows = opt.MaxLogitRows
	if r.maxRows <= 0 || r.maxRows > N {
		r.maxRows = N
	}
	ar := &arena{}
	r.res = make([]*tensor.Tensor, c.Layers+1)
	for i := range r.res {
		ar.take(&r.res[i], N, C)
	}
	nacts := c.Layers
	if opt.Checkpoint {
		nacts = 1
	}
	// Under checkpointing the one block buffer is recomputed anyway; fused
	// attention keeps no probabilities at all.
	shareProbs := opt.RecomputeAttention && !opt.Checkpoint && !opt.FlashAttention
	blockProbs := !shareProbs && !opt.FlashAttention
	r.acts = make([]layerActs, nacts)
	mlp := tensor.F32
	if opt.SaveBF16 {
		mlp = tensor.BF16
	}
	qkv := tensor.F32
	if opt.SaveBF16 && opt.FlashAttention {
		qkv = tensor.BF16 // the fused attention rounds them to BF16 anyway
	}
	for i := range r.acts {
		r.acts[i].plan(ar, c, B, T, blockProbs, mlp, qkv)
	}
	r.scr.plan(ar, c, B, T, shareProbs, opt.FlashAttention)
	ar.take(&r.tmpQ, N, q)
	ar.take(&r.tmpK, N, kv)
	ar.take(&r.xnF, N, C)
	ar.take(&r.rstdF, N)
	ar.take(&r.sel, r.maxRows, C)
	ar.take(&r.logits, r.maxRows, c.Vocab)
	ar.take(&r.losses, r.maxRows)
	ar.take(&r.dres, N, C)
	ar.take(&r.dtmp, N, C)
	ar.take(&r.dxn, N, C)
	ar.take(&r.dgate, N, H)
	ar.take(&r.dup, N, H)
	ar.take(&r.dh, N, H)
	ar.take(&r.datt, N, q)
	ar.take(&r.dq, N, q)
	ar.take(&r.dk, N, kv)
	ar.take(&r.dv, N, kv)
	if opt.bf16Operands() {
		r.cp.plan(ar, N, H, C, q, kv)
	}
	return ar
}

// Input returns the (B, T, C) input-embedding buffer that Forward reads:
// fill it with EmbedIDs, Backend.ScatterRows of projected vectors, or both.
func (r *Run) Input() *tensor.Tensor { return r.in3 }

// EmbedIDs writes the token embeddings of ids (B*T, row-major (B, T))
// into Input. Padding positions need some valid id (0 will do).
func (r *Run) EmbedIDs(ids []int32) {
	if len(ids) != r.N {
		panic(fmt.Sprintf("llama: EmbedIDs: %d ids for (B, T) = (%d, %d)", len(ids), r.B, r.T))
	}
	r.m.Backend.EmbeddingForward(r.res[0], r.m.Embed, ids)
}

// EmbedBackward accumulates the embedding-table gradient from DInput for
// the ids that EmbedIDs used (when Grads.Embed is set). Rows whose id is
// negative (injected vectors) are skipped.
func (r *Run) EmbedBackward(ids []int32) {
	if r.g.Embed == nil {
		return
	}
	if len(ids) != r.N {
		panic(fmt.Sprintf("llama: EmbedBackward: %d ids for %d rows", len(ids), r.N))
	}
	C := r.m.Config.Hidden
	// Contiguous runs of valid ids in one call each: ids may hold -1 markers.
	for lo := 0; lo < len(ids); {
		if ids[lo] < 0 {
			lo++
			continue
		}
		hi := lo
		for hi < len(ids) && ids[hi] >= 0 {
			hi++
		}
		d := r.dres
		if lo > 0 || hi < len(ids) {
			d = r.dres.View(lo*C, hi-lo, C)
		}
		r.m.Backend.EmbeddingBackward(r.g.Embed, d, ids[lo:hi])
		lo = hi
	}
}

// Positions sets pos (B*T) from mask: each row counts its valid tokens
// from 0, so a left-padded row starts at position 0 (HF's
// cumsum(mask)-1); padding positions get 0. A nil mask means all valid.
func Positions(pos, mask []int32, B, T int) {
	for b := 0; b < B; b++ {
		n := int32(0)
		for t := 0; t < T; t++ {
			i := b*T + t
			if mask == nil || mask[i] != 0 {
				pos[i] = n
				n++
			} else {
				pos[i] = 0
			}
		}
	}
}

// Forward runs the transformer on Input() with the key mask (B*T, 1 valid,
// 0 padding; nil: all valid) and positions from Positions. Afterwards
// Hidden holds the final normalised hidden states; call Logits or Loss.
func (r *Run) Forward(mask []int32) {
	if mask != nil && len(mask) != r.N {
		panic(fmt.Sprintf("llama: Forward: mask of %d for (B, T) = (%d, %d)", len(mask), r.B, r.T))
	}
	if mask == nil {
		for i := range r.mask {
			r.mask[i] = 1
		}
	} else {
		copy(r.mask, mask)
	}
	Positions(r.pos, r.mask, r.B, r.T)
	m := r.m
	for l := 0; l < m.Config.Layers; l++ {
		r.layerForward(l, r.layerActs(l), r.res[l], r.res[l+1])
	}
	m.Backend.RMSNormForward(r.xnF, r.rstdF, r.res[m.Config.Layers], m.Norm, m.Config.NormEps)
	r.forwardReady, r.lossReady = true, false
}

func (r *Run) layerActs(l int) *layerActs {
	if r.opt.Checkpoint {
		return &r.acts[0]
	}
	return &r.acts[l]
}

// layerForward runs block l from in (N, C) into out (N, C), saving its
// activations in a; a nil out skips the final projection (recomputation).
func (r *Run) layerForward(l int, a *layerActs, in, out *tensor.Tensor) {
	m, b, c, s := r.m, r.m.Backend, r.m.Config, &r.scr
	L := &m.Layers[l]
	xb := r.xnCopy(l, ProjQ, ProjK, ProjV)
	tensor.Copies(b).RMSNormForwardCopy(s.xn, xb, a.rstd1, in, L.AttnNorm, c.NormEps)
	if a.q.DType() == tensor.BF16 {
		// Saved in BF16 (SaveBF16 with FlashAttention): computed in float32
		// in the backward's q/k/v gradient buffers (unused until this block's
		// backward), then rounded.
		m.linears(r.linOuts(r.tmpQ, r.tmpK, r.dv), r.linW[:3], s.xn, xb, l, ProjQ, ProjK, ProjV)
		b.RoPEForward(r.dq, r.tmpQ, m.cos, m.sin, r.pos, false)
		b.RoPEForward(r.dk, r.tmpK, m.cos, m.sin, r.pos, false)
		b.Copy(a.q, r.dq)
		b.Copy(a.k, r.dk)
		b.Copy(a.v, r.dv)
	} else {
		m.linears(r.linOuts(r.tmpQ, r.tmpK, a.v), r.linW[:3], s.xn, xb, l, ProjQ, ProjK, ProjV)
		b.RoPEForward(a.q, r.tmpQ, m.cos, m.sin, r.pos, false)
		b.RoPEForward(a.k, r.tmpK, m.cos, m.sin, r.pos, false)
	}
	ab := r.attCopy(l)
	r.attentionForward(a, ab)
	m.linear(a.res2, s.att, ab, L.O, l, ProjO)
	r.dropForward(a.res2, l, dropAttn)
	b.Add(a.res2, a.res2, in)
	xb = r.xnCopy(l, ProjGate, ProjUp)
	tensor.Copies(b).RMSNormForwardCopy(s.xn, xb, a.rstd2, a.res2, L.MLPNorm, c.NormEps)
	gate, up := a.gate, a.up
	if r.opt.SaveBF16 { // float32 products in the backward scratch (free now), saved rounded
		gate, up = r.dgate, r.dup
	}
	m.linears(r.linOuts(gate, up), r.linW[:2], s.xn, xb, l, ProjGate, ProjUp)
	h := s.h
	if r.bf16Operand(l, ProjDown) {
		h = r.cp.h
	}
	if r.opt.bf16Operands() { // saved rounded, in the same pass (tensor.FusedCopies)
		tensor.Copies(b).SwiGLUForwardSave(h, a.gate, a.up, gate, up)
	} else {
		b.SwiGLUForward(h, gate, up)
		if r.opt.SaveBF16 {
			b.Copy(a.gate, gate)
			b.Copy(a.up, up)
		}
	}
	if out != nil {
		m.linear(out, h, nil, L.Down, l, ProjDown)
		r.dropForward(out, l, dropMLP)
		b.Add(out, out, a.res2)
	}
}

// attentionForward writes block a's attention output into the scratch
// (fused, or materialised into a.probs), and its BF16 copy into cp if not
// nil (materialised only: attCopy).
func (r *Run) attentionForward(a *layerActs, cp *tensor.Tensor) {
	b, c, s := r.m.Backend, r.m.Config, &r.scr
	if r.opt.FlashAttention {
		b.(tensor.FlashAttention).FlashAttentionForward(s.a3, s.lse, a.q3, a.k3, a.v3, r.mask, c.Heads, c.KVHeads)
		return
	}
	if cp != nil {
		cp = cp.Reshape(s.a3.Shape()...)
	}
	tensor.Copies(b).AttentionForwardCopy(s.a3, cp, a.probs, a.q3, a.k3, a.v3, r.mask, c.Heads, c.KVHeads)
}

// FlashAttentionSupported reports whether RunOptions.FlashAttention can run
// on b for models of config c: b implements tensor.FlashAttention for c's
// head size.
func FlashAttentionSupported(b tensor.Backend, c Config) bool {
	f, ok := b.(tensor.FlashAttention)
	return ok && c.HeadSize <= f.FlashAttentionMaxHeadSize()
}

// Hidden returns the (B, T, C) output of the final RMSNorm.
func (r *Run) Hidden() *tensor.Tensor { return r.xnF.Reshape(r.B, r.T, r.m.Config.Hidden) }

// Logits computes the lm_head for rows (indices into B*T; nil: all rows in
// order) and returns the (len(rows), V) logits, a view into the arena that
// the next Logits or Loss overwrites.
func (r *Run) Logits(rows []int32) *tensor.Tensor {
	if !r.forwardReady {
		panic("llama: Logits before Forward")
	}
	m, b := r.m, r.m.Backend
	V := m.Config.Vocab
	if rows == nil {
		if r.N > r.maxRows {
			panic(fmt.Sprintf("llama: Logits: all %d rows but MaxLogitRows is %d", r.N, r.maxRows))
		}
		r.allRows, r.nrows = true, r.N
		lg := r.logits.View(0, r.N, V)
		b.MatMul(lg, r.xnF, m.Head, false, true, 0)
		return lg
	}
	n := len(rows)
	if n > r.maxRows {
		panic(fmt.Sprintf("llama: Logits: %d rows, MaxLogitRows is %d", n, r.maxRows))
	}
	r.allRows, r.nrows = false, n
	copy(r.rows, rows)
	lg := r.logits.View(0, n, V)
	if n == 0 {
		return lg
	}
	sel := r.sel.View(0, n, m.Config.Hidden)
	b.EmbeddingForward(sel, r.xnF, r.rows[:n])
	b.MatMul(lg, sel, m.Head, false, true, 0)
	return lg
}

// Loss computes the mean next-token cross-entropy over positions whose
// target (B*T, aligned with the inputs: target[i] is the token that
// should follow position i) is >= 0; -100 (any negative) is ignored, as in
// HF. The lm_head runs only for the selected rows. It returns the mean
// loss and the number of selected rows; BackwardLoss follows.
func (r *Run) Loss(targets []int32) (float64, int) {
	if len(targets) != r.N {
		panic(fmt.Sprintf("llama: Loss: %d targets for %d rows", len(targets), r.N))
	}
	sel := r.rows[:0]
	for i, t := range targets {
		if t >= 0 {
			if len(sel) >= r.maxRows {
				panic(fmt.Sprintf("llama: Loss: more than MaxLogitRows = %d targets", r.maxRows))
			}
			r.tsel[len(sel)] = t
			sel = append(sel, int32(i))
		}
	}
	n := len(sel)
	lg := r.Logits(sel)
	if n == 0 {
		r.lossReady = true
		return 0, 0
	}
	b := r.m.Backend
	losses := r.losses.View(0, n)
	b.CrossEntropyForward(losses, lg, r.tsel[:n])
	b.Download(r.hostLosses[:n], losses)
	var s float64
	for _, v := range r.hostLosses[:n] {
		s += float64(v)
	}
	r.lossReady = true
	return s / float64(n), n
}
