// RMSNorm, RoPE, SwiGLU, GELU, embeddings and cross-entropy.

package cuda

import (
	"fmt"

	"embrec/tensor"
)

// normShape checks the operands of RMSNorm op: out (the output or
// gradient tensor) and in of one size, all float32, weight (C) and rstd
// (N) matching in (N, C), dWeight (C) if not nil; it returns N and C.
func normShape(op string, out, dOut, in, weight, rstd, dWeight *tensor.Tensor) (N, C int) {
	needF32(op, out, dOut, in, weight, rstd, dWeight)
	if dOut != nil {
		sameLen(op, out, dOut, in)
	} else {
		sameLen(op, out, in)
	}
	N, C = in.Rows(), in.Cols()
	if weight.Len() != C || rstd.Len() != N || (dWeight != nil && dWeight.Len() != C) {
		panic(fmt.Sprintf("cuda: %s: in %v, weight %v, rstd %v", op, in, weight, rstd))
	}
	return N, C
}

// RMSNormForward implements tensor.Normalizer (weight F32).
func (b *Backend) RMSNormForward(out, rstd, in, weight *tensor.Tensor, eps float32) {
	N, C := normShape("RMSNormForward", out, nil, in, weight, rstd, nil)
	if N == 0 {
		return
	}
	b.launch("rmsnorm_forward_f32", [3]int{N, 1, 1}, block256, 0, ptr(out), ptr(rstd), ptr(in), ptr(weight),
		argF32(eps), argI32(N), argI32(C))
}

// RMSNormForwardCopy implements tensor.FusedCopies: one pass
// (rmsnorm_forward_copy_f32) for a BF16 copy; another dtype is converted
// after RMSNormForward.
func (b *Backend) RMSNormForwardCopy(out, outCopy, rstd, in, weight *tensor.Tensor, eps float32) {
	if outCopy.DType() != tensor.BF16 || b.unfusedCopies {
		b.RMSNormForward(out, rstd, in, weight, eps)
		b.Copy(outCopy, out)
		return
	}
	N, C := normShape("RMSNormForwardCopy", out, nil, in, weight, rstd, nil)
	sameLen("RMSNormForwardCopy", out, outCopy)
	if N == 0 {
		return
	}
	b.launch("rmsnorm_forward_copy_f32", [3]int{N, 1, 1}, block256, 0, ptr(out), ptr(outCopy), ptr(rstd), ptr(in),
		ptr(weight), argF32(eps), argI32(N), argI32(C))
}

// RMSNormBackward implements tensor.Normalizer.
func (b *Backend) RMSNormBackward(dIn, dWeight, dOut, in, weight, rstd *tensor.Tensor) {
	N, C := normShape("RMSNormBackward", dIn, dOut, in, weight, rstd, dWeight)
	if N == 0 {
		return
	}
	if dWeight != nil { // before dIn, which may overwrite dOut
		b.launch("rmsnorm_dweight_f32", [3]int{(C + 31) / 32, 1, 1}, [3]int{32, 8, 1}, 0, ptr(dWeight), ptr(dOut),
			ptr(in), ptr(rstd), argI32(N), argI32(C))
	}
	b.launch("rmsnorm_backward_f32", [3]int{N, 1, 1}, block256, 0, ptr(dIn), ptr(dOut), ptr(in), ptr(weight),
		ptr(rstd), argI32(N), argI32(C))
}

// RMSNormBackwardAdd implements tensor.FusedCopies: one pass
// (rmsnorm_backward_add_f32) for a BF16 copy or none; another copy dtype
// is converted after it.
func (b *Backend) RMSNormBackwardAdd(dRes, dResCopy, dWeight, dOut, in, weight, rstd *tensor.Tensor) {
	if b.unfusedCopies { // Options.UnfusedCopies
		scratch := b.grow(&b.normScr, tensor.F32, dRes.Len()).View(0, dRes.Shape()...)
		tensor.Unfused(b).RMSNormBackwardAdd(scratch, dRes, dResCopy, dWeight, dOut, in, weight, rstd)
		return
	}
	N, C := normShape("RMSNormBackwardAdd", dRes, dOut, in, weight, rstd, dWeight)
	if dResCopy != nil && dResCopy.Len() != dRes.Len() {
		panic(fmt.Sprintf("cuda: RMSNormBackwardAdd: copy %v of %v", dResCopy, dRes))
	}
	if addr(dRes) == addr(dOut) {
		panic("cuda: RMSNormBackwardAdd: dRes aliases dOut")
	}
	if N == 0 {
		return
	}
	if dWeight != nil {
		b.launch("rmsnorm_dweight_f32", [3]int{(C + 31) / 32, 1, 1}, [3]int{32, 8, 1}, 0, ptr(dWeight), ptr(dOut),
			ptr(in), ptr(rstd), argI32(N), argI32(C))
	}
	copyB := uint64(0)
	if dResCopy != nil && dResCopy.DType() == tensor.BF16 {
		copyB = addr(dResCopy)
	}
	b.launch("rmsnorm_backward_add_f32", [3]int{N, 1, 1}, block256, 0, ptr(dRes), argPtr(copyB), ptr(dOut), ptr(in),
		ptr(weight), ptr(rstd), argI32(N), argI32(C))
	if dResCopy != nil && copyB == 0 {
		b.Copy(dResCopy, dRes)
	}
}

// rope launches rope_f32, or with dstCopy (BF16, not nil) rope_copy_f32.
func (b *Backend) rope(dst, dstCopy, src, cos, sin *tensor.Tensor, pos []int32, interleaved bool, sign float32) {
	needF32("RoPE", dst, src, cos, sin)
	sameLen("RoPE", dst, src)
	if dstCopy != nil && (dstCopy.DType() != tensor.BF16 || dstCopy.Len() != dst.Len() || addr(dstCopy) == addr(src)) {
		panic(fmt.Sprintf("cuda: RoPE: copy %v of %v from %v", dstCopy, dst, src))
	}
	half := cos.Cols()
	N, X := src.Rows(), src.Cols()
	if half == 0 || len(pos) != N || X%(2*half) != 0 || sin.Len() != cos.Len() {
		panic(fmt.Sprintf("cuda: RoPE: in %v, cos %v, %d positions", src, cos, len(pos)))
	}
	checkIDs("RoPE position", pos, N, cos.Rows())
	if n := N * X / 2; n > 0 {
		p := b.ring.put(pos)
		if dstCopy != nil {
			b.launch("rope_copy_f32", ewGrid(n), block256, 0, ptr(dst), ptr(dstCopy), ptr(src), ptr(cos), ptr(sin),
				argPtr(p), argI32(N), argI32(X), argI32(half), argBool(interleaved), argF32(sign))
			return
		}
		b.launch("rope_f32", ewGrid(n), block256, 0, ptr(dst), ptr(src), ptr(cos), ptr(sin), argPtr(p),
			argI32(N), argI32(X), argI32(half), argBool(interleaved), argF32(sign))
	}
}

// RoPEForward implements tensor.Rotary.
func (b *Backend) RoPEForward(out, in, cos, sin *tensor.Tensor, pos []int32, interleaved bool) {
	b.rope(out, nil, in, cos, sin, pos, interleaved, 1)
}

// RoPEBackward implements tensor.Rotary (rotation by the opposite angle).
func (b *Backend) RoPEBackward(dIn, dOut, cos, sin *tensor.Tensor, pos []int32, interleaved bool) {
	b.rope(dIn, nil, dOut, cos, sin, pos, interleaved, -1)
}

// RoPEBackwardCopy implements tensor.FusedCopies: one pass for a BF16 copy
// (rope_copy_f32), another dtype converted after RoPEBackward.
func (b *Backend) RoPEBackwardCopy(dIn, dInCopy, dOut, cos, sin *tensor.Tensor, pos []int32, interleaved bool) {
	if dInCopy.DType() != tensor.BF16 || b.unfusedCopies {
		b.RoPEBackward(dIn, dOut, cos, sin, pos, interleaved)
		b.Copy(dInCopy, dIn)
		return
	}
	b.rope(dIn, dInCopy, dOut, cos, sin, pos, interleaved, -1)
}

// SwiGLUForward implements tensor.Activations (gate and up F32 or BF16,
// out F32 or BF16).
func (b *Backend) SwiGLUForward(out, gate, up *tensor.Tensor) {
	k := "swiglu_forward_" + swigluSuffix("SwiGLUForward", gate, up, out, out)
	if n := sameLen("SwiGLUForward", out, gate, up); n > 0 {
		b.launch(k, ewGrid(n), block256, 0, ptr(out), ptr(gate), ptr(up), argI32(n))
	}
}

// SwiGLUBackward implements tensor.Activations (gate and up F32 or BF16,
// dGate and dUp both F32 or both BF16).
func (b *Backend) SwiGLUBackward(dGate, dUp, dOut, gate, up *tensor.Tensor) {
	needF32("SwiGLUBackward", dOut)
	k := "swiglu_backward_" + swigluSuffix("SwiGLUBackward", gate, up, dGate, dUp)
	if n := sameLen("SwiGLUBackward", dGate, dUp, dOut, gate, up); n > 0 {
		b.launch(k, ewGrid(n), block256, 0, ptr(dGate), ptr(dUp), ptr(dOut), ptr(gate), ptr(up), argI32(n))
	}
}

// SwiGLUForwardSave implements tensor.FusedCopies: one kernel for F32 gate
// and up saved as BF16 (out F32 or BF16); otherwise the fallback ops.
func (b *Backend) SwiGLUForwardSave(out, gateSaved, upSaved, gate, up *tensor.Tensor) {
	if gate.DType() != tensor.F32 || up.DType() != tensor.F32 || gateSaved.DType() != tensor.BF16 ||
		upSaved.DType() != tensor.BF16 {
		b.SwiGLUForward(out, gate, up)
		b.Copy(gateSaved, gate)
		b.Copy(upSaved, up)
		return
	}
	k := "swiglu_forward_save_f32"
	if bf16Pair("SwiGLUForwardSave", "out", out, out) {
		k = "swiglu_forward_save_bf16out"
	}
	if n := sameLen("SwiGLUForwardSave", out, gateSaved, upSaved, gate, up); n > 0 {
		b.launch(k, ewGrid(n), block256, 0, ptr(out), ptr(gateSaved), ptr(upSaved), ptr(gate), ptr(up), argI32(n))
	}
}

// swigluSuffix names the SwiGLU kernel for gate and up (F32: "f32"; BF16
// saved activations: "bf16in") and outputs o1, o2 (F32: ""; BF16, a
// product's operand rounded as Copy rounds: "_bf16out").
func swigluSuffix(op string, gate, up, o1, o2 *tensor.Tensor) string {
	s := "f32"
	if bf16Pair(op, "gate and up", gate, up) {
		s = "bf16in"
	}
	if bf16Pair(op, "outputs", o1, o2) {
		s += "_bf16out"
	}
	return s
}

// bf16Pair reports whether x and y are both BF16 (else both must be F32).
func bf16Pair(op, what string, x, y *tensor.Tensor) bool {
	switch {
	case x.DType() == tensor.F32 && y.DType() == tensor.F32:
		return false
	case x.DType() == tensor.BF16 && y.DType() == tensor.BF16:
		return true
	}
	panic(fmt.Sprintf("cuda: %s: %s %v and %v must be both F32 or both BF16", op, what, x, y))
}

// GELUForward implements tensor.Activations.
func (b *Backend) GELUForward(out, in *tensor.Tensor) {
	needF32("GELUForward", out, in)
	if n := sameLen("GELUForward", out, in); n > 0 {
		b.launch("gelu_forward_f32", ewGrid(n), block256, 0, ptr(out), ptr(in), argI32(n))
	}
}

// GELUBackward implements tensor.Activations.
func (b *Backend) GELUBackward(dIn, dOut, in *tensor.Tensor) {
	needF32("GELUBackward", dIn, dOut, in)
	if n := sameLen("GELUBackward", dIn, dOut, in); n > 0 {
		b.launch("gelu_backward_f32", ewGrid(n), block256, 0, ptr(dIn), ptr(dOut), ptr(in), argI32(n))
	}
}

// EmbeddingForward implements tensor.Embeddings; table may be F32 or a
// frozen BF16 table, out is F32.
func (b *Backend) EmbeddingForward(out, table *tensor.Tensor, ids []int32) {
	needF32("EmbeddingForward", out)
	C := table.Cols()
	if out.Cols() != C {
		panic(fmt.Sprintf("cuda: EmbeddingForward: out %v, table %v", out, table))
	}
	checkIDs("EmbeddingForward", ids, out.Rows(), table.Rows())
	name := "embedding_forward_f32"
	switch table.DType() {
	case tensor.BF16:
		name = "embedding_forward_bf16"
	case tensor.F16:
		panic(fmt.Sprintf("cuda: EmbeddingForward: table %v must be F32 or BF16", table))
	}
	if n := out.Len(); n > 0 {
		p := b.ring.put(ids)
		b.launch(name, ewGrid(n), block256, 0, ptr(out), ptr(table), argPtr(p), argI32(len(ids)), argI32(C))
	}
}

// EmbeddingBackward implements tensor.Embeddings (atomicAdd scatter).
func (b *Backend) EmbeddingBackward(dTable, dOut *tensor.Tensor, ids []int32) {
	needF32("EmbeddingBackward", dTable, dOut)
	C := dTable.Cols()
	if dOut.Cols() != C {
		panic(fmt.Sprintf("cuda: EmbeddingBackward: dOut %v, dTable %v", dOut, dTable))
	}
	checkIDs("EmbeddingBackward", ids, dOut.Rows(), dTable.Rows())
	if n := dOut.Len(); n > 0 {
		p := b.ring.put(ids)
		b.launch("embedding_backward_f32", ewGrid(n), block256, 0, ptr(dTable), ptr(dOut), argPtr(p),
			argI32(len(ids)), argI32(C))
	}
}

// ScatterRows implements tensor.Embeddings.
func (b *Backend) ScatterRows(dst, src *tensor.Tensor, rows []int32) {
	needF32("ScatterRows", dst, src)
	C := dst.Cols()
	if src.Cols() != C {
		panic(fmt.Sprintf("cuda: ScatterRows: dst %v, src %v", dst, src))
	}
	checkIDs("ScatterRows", rows, src.Rows(), dst.Rows())
	if n := src.Len(); n > 0 {
		p := b.ring.put(rows)
		b.launch("scatter_rows_f32", ewGrid(n), block256, 0, ptr(dst), ptr(src), argPtr(p), argI32(len(rows)),
			argI32(C))
	}
}

func checkTargets(op string, logits *tensor.Tensor, targets []int32) {
	if len(targets) != logits.Rows() {
		panic(fmt.Sprintf("cuda: %s: %d targets for logits %v", op, len(targets), logits))
	}
	for _, t := range targets {
		if int(t) >= logits.Cols() {
			panic(fmt.Sprintf("cuda: %s: target %d outside vocabulary of %d", op, t, logits.Cols()))
		}
	}
}

// CrossEntropyForward implements tensor.Losses.
func (b *Backend) CrossEntropyForward(losses, logits *tensor.Tensor, targets []int32) {
	needF32("CrossEntropyForward", losses, logits)
	checkTargets("CrossEntropyForward", logits, targets)
	if losses.Len() != logits.Rows() {
		panic(fmt.Sprintf("cuda: CrossEntropyForward: losses %v, logits %v", losses, logits))
	}
	if N := logits.Rows(); N > 0 {
		p := b.ring.put(targets)
		b.launch("cross_entropy_forward_f32", [3]int{N, 1, 1}, block256, 0, ptr(losses), ptr(logits), argPtr(p),
			argI32(N), argI32(logits.Cols()))
	}
}

// CrossEntropyBackward implements tensor.Losses.
func (b *Backend) CrossEntropyBackward(dLogits, logits *tensor.Tensor, targets []int32, scale float32) {
	needF32("CrossEntropyBackward", dLogits, logits)
	checkTargets("CrossEntropyBackward", logits, targets)
	sameLen("CrossEntropyBackward", dLogits, logits)
	if N := logits.Rows(); N > 0 {
		p := b.ring.put(targets)
		b.launch("cross_entropy_backward_f32", [3]int{N, 1, 1}, block256, 0, ptr(dLogits), ptr(logits), argPtr(p),
			argF32(scale), argI32(N), argI32(logits.Cols()))
	}
}
