// The Backend interface, composed of one small interface per op family.

package tensor

import "fmt"

// Backend is everything the LLaMA forward and backward, the projectors and
// the optimizer need. The CPU backend (NewCPU) implements it in pure Go plus
// amd64 assembly; the cuda package implements it on NVIDIA GPUs. Shapes use
// the letters of the package doc; N is a row count (usually B*T).
type Backend interface {
	Allocator
	Elementwise
	MatMuler
	Normalizer
	Rotary
	Activations
	Attention
	Losses
	Embeddings
	Dropouts
	Optimizer
}

// Allocator creates tensors and moves data between host and backend.
type Allocator interface {
	// Name identifies the backend ("cpu", "cuda:0 NVIDIA H100 ...").
	Name() string
	// New returns a zero-filled tensor of the given dtype and shape.
	New(dt DType, shape ...int) *Tensor
	// Upload copies host values into dst (len(src) == dst.Len()),
	// rounding to dst's dtype.
	Upload(dst *Tensor, src []float32)
	// Download copies src into host memory as float32 (len(dst) == src.Len()).
	Download(dst []float32, src *Tensor)
}

// Elementwise holds element-wise and reduction ops on same-shaped tensors.
// Unless said otherwise, out may alias an input.
type Elementwise interface {
	// Fill sets every element of t to v.
	Fill(t *Tensor, v float32)
	// Copy copies src into dst (same length), converting dtypes.
	Copy(dst, src *Tensor)
	// Add sets out = a + b.
	Add(out, a, b *Tensor)
	// AddScaled sets dst += s * src (the accumulation of gradients).
	AddScaled(dst, src *Tensor, s float32)
	// Mul sets out = a * b element-wise.
	Mul(out, a, b *Tensor)
	// Scale sets t *= s.
	Scale(t *Tensor, s float32)
	// SumSquares returns the sum of squares of t, accumulated in float64.
	SumSquares(t *Tensor) float64
	// AddBias adds bias (C) to every row of out (N, C).
	AddBias(out, bias *Tensor)
	// BiasBackward accumulates dBias (C) += column sums of dOut (N, C).
	BiasBackward(dBias, dOut *Tensor)
}

// MatMuler multiplies matrices.
type MatMuler interface {
	// MatMul sets out = op(a) @ op(b) + beta*out, op transposing when asked
	// (beta 0 overwrites, beta 1 accumulates gradients).
	//
	// With b of rank 2, a and out are seen as matrices with all leading
	// dimensions folded into rows: out (M, N), a (M, K) or (K, M) if transA,
	// b (K, N) or (N, K) if transB. A linear layer with HF weight W (out, in)
	// is MatMul(y, x, W, false, true, 0).
	//
	// With b of rank 3 the product is batched: a (Bt, M, K), b (Bt, K, N),
	// out (Bt, M, N), each with the transposes applied per batch entry.
	MatMul(out, a, b *Tensor, transA, transB bool, beta float32)
}

// Normalizer is RMSNorm: out = weight * in / sqrt(mean(in^2) + eps) row-wise.
type Normalizer interface {
	// RMSNormForward: out, in (N, C); rstd (N) receives 1/sqrt(mean+eps)
	// for the backward pass; weight (C).
	RMSNormForward(out, rstd, in, weight *Tensor, eps float32)
	// RMSNormBackward sets dIn (N, C) and accumulates dWeight (C) unless
	// nil.
	RMSNormBackward(dIn, dWeight, dOut, in, weight, rstd *Tensor)
}

// Rotary applies rotary position embeddings (RoPE) to each head.
//
// in and out are (N, X*HS) for any number of heads X; cos and sin are
// (P, HS/2) tables from RoPETable; pos (N) gives each row's position.
// Rotate-half layout (HF LLaMA) pairs element i with i+HS/2; interleaved
// layout (llama2.c, Meta's original) pairs 2i with 2i+1. out may alias in
// (and dIn dOut).
type Rotary interface {
	RoPEForward(out, in, cos, sin *Tensor, pos []int32, interleaved bool)
	// RoPEBackward rotates dOut back by the same angles into dIn.
	RoPEBackward(dIn, dOut, cos, sin *Tensor, pos []int32, interleaved bool)
}

// Activations are the MLP nonlinearities. They are element-wise: any
// output may alias any input of its dtype.
type Activations interface {
	// SwiGLUForward sets out = silu(gate) * up; all (N, H). gate and up are
	// both F32 or both BF16 (saved activations kept in BF16); out is F32,
	// or BF16 for a product's BF16 operand: the F32 result rounded to
	// nearest even, the bits Copy would give.
	SwiGLUForward(out, gate, up *Tensor)
	// SwiGLUBackward sets dGate and dUp from dOut (F32); gate and up as in
	// SwiGLUForward; dGate and dUp both F32, or both BF16 (rounded as
	// SwiGLUForward's out).
	SwiGLUBackward(dGate, dUp, dOut, gate, up *Tensor)
	// GELUForward sets out = gelu(in) (tanh approximation, as GPT-2).
	GELUForward(out, in *Tensor)
	// GELUBackward sets dIn from dOut.
	GELUBackward(dIn, dOut, in *Tensor)
}

// Attention is causal multi-head self-attention with grouped key/value
// heads and a key-padding mask.
//
// q is (B, Tq, NH*HS), k and v are (B, Tk, NKV*HS), out is (B, Tq, NH*HS),
// probs is (B, NH, Tq, Tk) and keeps the softmax for the backward pass.
// Query i sits at position i + Tk - Tq, so Tq == Tk is ordinary training
// and Tq < Tk is decoding with a KV cache; it sees keys j <= that position
// whose keyMask[b*Tk+j] != 0 (nil keyMask: all keys valid). A query that
// sees no key outputs zeros. Scores are scaled by 1/sqrt(HS).
type Attention interface {
	AttentionForward(out, probs, q, k, v *Tensor, keyMask []int32, heads, kvHeads int)
	// AttentionBackward sets dq, dk and dv from dOut.
	AttentionBackward(dq, dk, dv, dOut, q, k, v, probs *Tensor, heads, kvHeads int)
}

// Losses is softmax cross-entropy over selected rows.
// A negative target (HF's -100) marks a row that is ignored.
type Losses interface {
	// CrossEntropyForward sets losses[i] = -log softmax(logits[i])[targets[i]],
	// 0 for ignored rows; logits (N, V), losses (N).
	CrossEntropyForward(losses, logits *Tensor, targets []int32)
	// CrossEntropyBackward sets dLogits = scale * (softmax(logits) - onehot)
	// on selected rows and 0 on ignored rows (overwrite; may alias logits).
	CrossEntropyBackward(dLogits, logits *Tensor, targets []int32, scale float32)
}

// Embeddings gathers and scatters rows.
type Embeddings interface {
	// EmbeddingForward sets out[i] = table[ids[i]]; out (N, C), table (V, C).
	EmbeddingForward(out, table *Tensor, ids []int32)
	// EmbeddingBackward accumulates dTable[ids[i]] += dOut[i].
	EmbeddingBackward(dTable, dOut *Tensor, ids []int32)
	// ScatterRows sets dst[rows[i]] = src[i]; dst (N, C), src (len(rows), C).
	// Its backward is EmbeddingForward(dSrc, dDst, rows).
	ScatterRows(dst, src *Tensor, rows []int32)
}

// Dropouts is inverted dropout with a counter-based RNG: element i of a call
// with seed s is dropped when Uniform(s, i) < p (see DropoutKeep), so every
// backend draws the same mask.
type Dropouts interface {
	// DropoutForward sets mask to 0 or 1/(1-p) and out = in * mask.
	DropoutForward(out, mask, in *Tensor, p float32, seed uint64)
	// DropoutBackward sets dIn = dOut * mask.
	DropoutBackward(dIn, dOut, mask *Tensor)
}

// Optimizer updates parameters.
type Optimizer interface {
	// AdamW applies one decoupled-weight-decay Adam step (Loshchilov &
	// Hutter) to param with grad, updating the moments m and v in place.
	AdamW(param, grad, m, v *Tensor, h AdamWParams)
}

// AdamWParams are the hyper-parameters of one AdamW step.
type AdamWParams struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	Step                               int // 1-based step count for bias correction
}

// FrozenDTyper is an optional Backend interface: a backend that multiplies
// a storage dtype natively (the cuda backend: BF16 on the tensor cores)
// names it, and read-only weights (a frozen backbone) are best kept in it
// there. Backends without it multiply F32 only.
type FrozenDTyper interface {
	FrozenDType() DType
}

// BatchInvariant is an optional Backend interface: a backend that can
// make each row of a product independent of the other rows of its batch
// (the same kernel and summation order for every row count) says so. A
// served request then gets the same answer, bit for bit, alone or batched
// with others. The CPU backend implements it (at some cost below ten rows);
// the cuda backend does not, and batched answers there may differ from
// single ones in the last bits.
type BatchInvariant interface {
	SetBatchInvariant(on bool)
}

// SharedInputMatMuler is an optional fused op: several linear layers of one
// input, outs[i] = x @ ws[i]^T (each ws[i] (out_i, in) as in MatMul, beta
// 0). A backend that converts x for every product (the cuda backend rounds
// an F32 x to BF16 for the tensor cores when the weights are BF16)
// converts it once. The fallback, one MatMul(outs[i], x, ws[i], false,
// true, 0) per weight, gives the same result (SharedInputMatMul).
type SharedInputMatMuler interface {
	MatMulSharedInput(outs []*Tensor, x *Tensor, ws []*Tensor)
}

// SharedInputMatMul runs outs[i] = x @ ws[i]^T on b, fused where b
// implements SharedInputMatMuler.
func SharedInputMatMul(b Backend, outs []*Tensor, x *Tensor, ws []*Tensor) {
	if len(outs) != len(ws) {
		panic(fmt.Sprintf("tensor: SharedInputMatMul: %d outputs for %d weights", len(outs), len(ws)))
	}
	if f, ok := b.(SharedInputMatMuler); ok {
		f.MatMulSharedInput(outs, x, ws)
		return
	}
	for i, w := range ws {
		b.MatMul(outs[i], x, w, false, true, 0)
	}
}

// FusedCopies is the one optional fused-op interface of the BF16 operand
// path (llama.RunOptions.SaveBF16 and BF16 operands): five ops that also
// write, in the same pass, a copy of a result as Copy converts it (the
// BF16 operand of the product that reads it next), or save their inputs
// in another dtype. CopyOps runs them on any backend: fused where the
// backend implements FusedCopies, else the plain op and then Copy, with
// the same results bit for bit.
type FusedCopies interface {
	// RMSNormForwardCopy is RMSNormForward(out, rstd, in, weight, eps) with
	// outCopy = out.
	RMSNormForwardCopy(out, outCopy, rstd, in, weight *Tensor, eps float32)
	// RMSNormBackwardAdd adds to dRes the dIn of RMSNormBackward(dIn,
	// dWeight, dOut, in, weight, rstd) (dWeight accumulated as there
	// unless nil) and, when dResCopy is not nil, sets dResCopy = dRes
	// (the residual stream's backward pass). dRes may not alias dOut.
	RMSNormBackwardAdd(dRes, dResCopy, dWeight, dOut, in, weight, rstd *Tensor)
	// RoPEBackwardCopy is RoPEBackward(dIn, dOut, cos, sin, pos,
	// interleaved) with dInCopy = dIn; dInCopy may not alias dOut.
	RoPEBackwardCopy(dIn, dInCopy, dOut, cos, sin *Tensor, pos []int32, interleaved bool)
	// AttentionForwardCopy is AttentionForward(out, probs, q, k, v,
	// keyMask, heads, kvHeads) with outCopy = out.
	AttentionForwardCopy(out, outCopy, probs, q, k, v *Tensor, keyMask []int32, heads, kvHeads int)
	// SwiGLUForwardSave is SwiGLUForward(out, gate, up) for F32 gate and
	// up, with gateSaved = gate and upSaved = up (BF16, or F32).
	SwiGLUForwardSave(out, gateSaved, upSaved, gate, up *Tensor)
}

// CopyOps runs the ops of FusedCopies on a backend. A nil copy asks for
// the plain op.
type CopyOps struct {
	b     Backend
	fused FusedCopies // nil: the fallback
}

// Copies returns b's CopyOps: fused where b implements FusedCopies.
func Copies(b Backend) CopyOps {
	f, _ := b.(FusedCopies)
	return CopyOps{b: b, fused: f}
}

// Unfused returns the fallback CopyOps of b even where b fuses (for a
// backend that switches its fused ops off).
func Unfused(b Backend) CopyOps { return CopyOps{b: b} }

// RMSNormForwardCopy: see FusedCopies.
func (c CopyOps) RMSNormForwardCopy(out, outCopy, rstd, in, weight *Tensor, eps float32) {
	if outCopy != nil && c.fused != nil {
		c.fused.RMSNormForwardCopy(out, outCopy, rstd, in, weight, eps)
		return
	}
	c.b.RMSNormForward(out, rstd, in, weight, eps)
	if outCopy != nil {
		c.b.Copy(outCopy, out)
	}
}

// RMSNormBackwardAdd: see FusedCopies; scratch (dRes's shape) holds the
// fallback's input gradient.
func (c CopyOps) RMSNormBackwardAdd(scratch, dRes, dResCopy, dWeight, dOut, in, weight, rstd *Tensor) {
	if c.fused != nil {
		c.fused.RMSNormBackwardAdd(dRes, dResCopy, dWeight, dOut, in, weight, rstd)
		return
	}
	c.b.RMSNormBackward(scratch, dWeight, dOut, in, weight, rstd)
	c.b.Add(dRes, dRes, scratch)
	if dResCopy != nil {
		c.b.Copy(dResCopy, dRes)
	}
}

// RoPEBackwardCopy: see FusedCopies.
func (c CopyOps) RoPEBackwardCopy(dIn, dInCopy, dOut, cos, sin *Tensor, pos []int32, interleaved bool) {
	if dInCopy != nil && c.fused != nil {
		c.fused.RoPEBackwardCopy(dIn, dInCopy, dOut, cos, sin, pos, interleaved)
		return
	}
	c.b.RoPEBackward(dIn, dOut, cos, sin, pos, interleaved)
	if dInCopy != nil {
		c.b.Copy(dInCopy, dIn)
	}
}

// AttentionForwardCopy: see FusedCopies.
func (c CopyOps) AttentionForwardCopy(out, outCopy, probs, q, k, v *Tensor, keyMask []int32, heads, kvHeads int) {
	if outCopy != nil && c.fused != nil {
		c.fused.AttentionForwardCopy(out, outCopy, probs, q, k, v, keyMask, heads, kvHeads)
		return
	}
	c.b.AttentionForward(out, probs, q, k, v, keyMask, heads, kvHeads)
	if outCopy != nil {
		c.b.Copy(outCopy, out)
	}
}

// SwiGLUForwardSave: see FusedCopies.
func (c CopyOps) SwiGLUForwardSave(out, gateSaved, upSaved, gate, up *Tensor) {
	if c.fused != nil {
		c.fused.SwiGLUForwardSave(out, gateSaved, upSaved, gate, up)
		return
	}
	c.b.SwiGLUForward(out, gate, up)
	c.b.Copy(gateSaved, gate)
	c.b.Copy(upSaved, up)
}

// FlashAttention is an optional fused attention (the cuda backend on the
// tensor cores): the function of Attention without the (B, NH, Tq, Tk)
// probabilities. The forward pass writes out and lse (B, NH, Tq), the
// log-sum-exp of each query row's scaled scores (-Inf for a row that sees
// no key); the backward pass takes both with the same q, k, v and key mask
// and recomputes the probabilities blockwise. q, k and v may be F32 or
// (all three) BF16: the products round them to BF16 anyway, so BF16 copies
// give the same results for half the memory. Head sizes up to
// FlashAttentionMaxHeadSize. The fallback is Attention with its
// probabilities buffer.
type FlashAttention interface {
	FlashAttentionMaxHeadSize() int
	FlashAttentionForward(out, lse, q, k, v *Tensor, keyMask []int32, heads, kvHeads int)
	// FlashAttentionBackward sets dq, dk and dv from dOut.
	FlashAttentionBackward(dq, dk, dv, dOut, q, k, v, out, lse *Tensor, keyMask []int32, heads, kvHeads int)
}

// DropoutMatMuler is an optional fused op for a dropout before a product
// (a LoRA adapter's input dropout): the mask of DropoutForward(·, ·, x, p,
// seed), a pure function of p, seed and the element index, applied inside
// the product instead of stored. Results are those of the unfused ops, bit
// for bit. The fallback is DropoutForward into a buffer, then MatMul (and
// DropoutBackward, AddScaled for MatMulDropOut).
type DropoutMatMuler interface {
	// MatMulDropIn is MatMul(out, a, b, transA, transB, beta) with operand
	// a (which 0) or b (which 1) replaced by its dropout x * mask(p, seed).
	MatMulDropIn(out, a, b *Tensor, transA, transB bool, beta float32, which int, p float32, seed uint64)
	// MatMulDropOut sets out = beta*out + (a @ b) * mask(p, seed), the mask
	// over out's elements (a (M, K), b (K, N), no transposes): the input
	// gradient through a dropout, DropoutBackward(dIn, a@b, mask) added to
	// dIn.
	MatMulDropOut(out, a, b *Tensor, beta float32, p float32, seed uint64)
}
