// The BF16 operand copies of a Run: under SaveBF16 (without F32Operands)
// the passes that produce a BF16 product's operand write it in BF16
// themselves, beside their float32 result (tensor.FusedCopies), and the
// product reads the copy: the bits converting the float32 tensor would
// give, without the conversion pass. This file holds those buffers, where
// they live in the arena, and which product may read which copy.

package llama

import "embrec/tensor"

// bf16Copies are the BF16 operand buffers (nil without bf16Operands).
type bf16Copies struct {
	dgate, dup *tensor.Tensor // (N, H) x2: SwiGLUBackward's dGate and dUp (bf16Operand)
	h          *tensor.Tensor // (N, H): silu(gate)*up as down_proj's operand (bf16Operand), in dgate's memory
	xn         *tensor.Tensor // (N, C): an RMSNorm's output copy (xnCopy), in dgate's memory where it fits
	att        *tensor.Tensor // (N, NH*HS): the attention output's copy (attCopy), likewise
	q, k       *tensor.Tensor // (N, NH*HS), (N, NKV*HS): the rotated q and k gradients' copies (gradCopy), likewise
	dres       *tensor.Tensor // (N, C): the residual gradient's copy (dresCopy)
}

// plan requests the copies from the arena for N tokens of a model with
// hidden size C, MLP width H, and q and kv widths.
func (cp *bf16Copies) plan(ar *arena, N, H, C, q, kv int) {
	ar.takeAs(&cp.dgate, tensor.BF16, N, H)
	ar.takeAs(&cp.dup, tensor.BF16, N, H)
	// h is dgate's memory: h lives from a block's SwiGLUForward to its
	// down_proj product, dgate from its SwiGLUBackward to its gate_proj
	// product, and a block's backward (after any recompute of its forward)
	// starts after its forward's products.
	ar.alias(&cp.h, &cp.dgate)
	// More copies in dgate's memory, at element off, where they fit (own
	// buffers in a model whose MLP is narrower):
	inDGate := func(dst **tensor.Tensor, off, cols int) {
		if off+N*cols <= N*H {
			ar.aliasView(dst, &cp.dgate, off, N, cols)
		} else {
			ar.takeAs(dst, tensor.BF16, N, cols)
		}
	}
	// xn lives from a block's RMSNorm to the products that read it, before
	// its SwiGLU, and the backward's recomputed forward ends before the
	// block's SwiGLUBackward writes dgate; att from the attention (after
	// the q/k/v products read xn) to o_proj's product (before the MLP's
	// norm writes xn); the rotated q and k gradients' copies from a
	// block's RoPEBackward (after its gate product read dgate) to its q
	// and k products.
	inDGate(&cp.xn, 0, C)
	inDGate(&cp.att, 0, q)
	inDGate(&cp.q, 0, q)
	inDGate(&cp.k, N*q, kv)
	ar.takeAs(&cp.dres, tensor.BF16, N, C)
}

// bf16Operand reports whether, in layer l, SwiGLU writes the products of
// projections ps their BF16 operand itself (silu(gate)*up for down_proj;
// dGate and dUp for gate_proj and up_proj's input gradients) rather than
// a float32 tensor that the product converts: under SaveBF16 without
// F32Operands (where the buffers are planned), when every weight of ps is
// BF16 and nothing else reads the operand (no adapter, no weight
// gradient). The product sees the same bits either way (the backends
// round as Copy does); the step saves a conversion pass and half of
// SwiGLU's writes.
func (r *Run) bf16Operand(l int, ps ...Proj) bool {
	if !r.opt.bf16Operands() || !r.bf16Weights(l, ps...) {
		return false
	}
	for _, p := range ps {
		if r.readsInput(l, p) {
			return false
		}
	}
	return true
}

// xnCopy returns the buffer for the BF16 copy of a block's RMSNorm output
// that the norm writes in the same pass (tensor.FusedCopies) for
// projections ps of layer l to read, or nil: under bf16Operands when
// every weight of ps is BF16 (the shared product then reads the copy, the
// bits converting xn would give; the adapters still read xn itself).
func (r *Run) xnCopy(l int, ps ...Proj) *tensor.Tensor {
	if r.cp.xn == nil || !r.bf16Weights(l, ps...) {
		return nil
	}
	return r.cp.xn
}

// bf16Weights reports whether every weight of projections ps of layer l
// is BF16 (l >= 0).
func (r *Run) bf16Weights(l int, ps ...Proj) bool {
	if l < 0 {
		return false
	}
	for _, p := range ps {
		if r.m.Layers[l].Weight(p).DType() != tensor.BF16 {
			return false
		}
	}
	return true
}

// gradCopy returns the buffer for the BF16 copy of the q (ProjQ) or k
// (ProjK) output gradient of layer l that RoPEBackward writes in the same
// pass (tensor.FusedCopies) for the input-gradient product to read, or
// nil: under bf16Operands when the projection's weight is BF16 (an adapter
// or a weight gradient still reads the float32 gradient).
func (r *Run) gradCopy(l int, p Proj) *tensor.Tensor {
	if r.cp.q == nil || !r.bf16Weights(l, p) {
		return nil
	}
	if p == ProjQ {
		return r.cp.q
	}
	return r.cp.k
}

// attCopy returns the buffer for the BF16 copy of layer l's attention
// output that the attention writes in the same pass (tensor.FusedCopies)
// for o_proj's product to read, or nil: under bf16Operands when o_proj's
// weight is BF16, with the materialised attention (an adapter or a weight
// gradient on o_proj still reads the float32 output).
func (r *Run) attCopy(l int) *tensor.Tensor {
	if r.cp.att == nil || r.opt.FlashAttention || !r.bf16Weights(l, ProjO) {
		return nil
	}
	return r.cp.att
}

// dresCopy returns the BF16 copy of dres that the passes adding into dres
// write (tensor.FusedCopies) for projection p of layer l to read
// as its output gradient, or nil: under bf16Operands when p's weight is
// BF16 (its input-gradient product then reads the copy, the bits that
// converting dres would give; a weight gradient or an adapter still reads
// dres itself). Producers and consumers ask for the same (l, p).
func (r *Run) dresCopy(l int, p Proj) *tensor.Tensor {
	if r.cp.dres == nil || !r.bf16Weights(l, p) {
		return nil
	}
	return r.cp.dres
}
