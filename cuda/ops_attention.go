// Attention, materialised: scores Q K^T into the probs buffer, masked
// softmax in place, P V; the backward pass on the same buffers.
//
// Two paths for the products (the softmax kernels are shared):
//
//   - tensor cores (the default): pack_heads_bf16 copies each of Q, K, V
//     (and dO) into (B*NH, T, HSp) BF16, one contiguous matrix per query
//     head, HSp = HS rounded up to a multiple of 8 with zero columns (so
//     every row is 16-byte aligned for the GEMM's cp.async loads: HS = 100
//     is not), K and V expanded from their key/value head to each query
//     head of its group, Q pre-multiplied by 1/sqrt(HS). The products are
//     then batched MatMuls over B*NH uniform (batch) strides, which run the
//     BF16 GEMM variants unchanged. The softmax kernels write their
//     operands in BF16 themselves (masked_softmax_f32_bf16: P beside the
//     float32 probs; softmax_backward_bf16: dS and P), so no product
//     converts a T x T matrix. unpack_heads_f32 copies the packed
//     F32 results back into (B, T, heads*HS), summing a key/value head's
//     gradient over its group in a fixed order. Nothing is saved between
//     forward and backward beyond probs: the backward re-packs Q, K, V.
//     Decoding with a KV cache (Tq < Tk, Tq = 1) takes this path too: the
//     products are (Tq, HSp) x (HSp, Tk), which the GEMM handles with its
//     bounds checks, and the causal offset lives in masked_softmax_f32.
//   - gemm_f32 (Options.AttentionF32): float32 FFMA with per-(batch, head)
//     strides and the GQA group mapping of kernels/gemm_f32.cu, exact to
//     float32 rounding.

package cuda

import (
	"fmt"
	"math"

	"embrec/tensor"
)

type attnShape struct{ B, Tq, Tk, NH, NKV, HS int }

func attnCheck(op string, out, probs, q, k, v *tensor.Tensor, heads, kvHeads int) attnShape {
	needF32(op, out, probs, q, k, v)
	if q.Rank() != 3 || k.Rank() != 3 || heads <= 0 || kvHeads <= 0 || heads%kvHeads != 0 || q.Dim(2)%heads != 0 {
		panic(fmt.Sprintf("cuda: %s: q %v, k %v, heads %d/%d", op, q, k, heads, kvHeads))
	}
	s := attnShape{B: q.Dim(0), Tq: q.Dim(1), Tk: k.Dim(1), NH: heads, NKV: kvHeads, HS: q.Dim(2) / heads}
	if k.Dim(0) != s.B || k.Dim(2) != kvHeads*s.HS || !tensor.SameShape(k, v) || !tensor.SameShape(out, q) ||
		probs.Len() != s.B*s.NH*s.Tq*s.Tk {
		panic(fmt.Sprintf("cuda: %s: out %v, probs %v, q %v, k %v, v %v, heads %d/%d",
			op, out, probs, q, k, v, heads, kvHeads))
	}
	return s
}

// attnBF16MinRows: attention with fewer query rows per head (decoding
// steps, very short sequences) uses the float32 products.
const attnBF16MinRows = 16

// AttentionForward implements tensor.Attention, materialised: scores =
// scale Q K^T into probs, the masked softmax in place, out = P V.
func (b *Backend) AttentionForward(out, probs, q, k, v *tensor.Tensor, keyMask []int32, heads, kvHeads int) {
	s := attnCheck("AttentionForward", out, probs, q, k, v, heads, kvHeads)
	if keyMask != nil && len(keyMask) != s.B*s.Tk {
		panic(fmt.Sprintf("cuda: AttentionForward: key mask of %d for (%d, %d)", len(keyMask), s.B, s.Tk))
	}
	if s.Tq == 0 || s.Tk == 0 {
		b.Fill(out, 0)
		return
	}
	// Decoding steps (a few query rows against the whole cache) stay on the
	// float32 path: packing the cache for one 128-row tile costs more than
	// it saves.
	if b.attnF32 || s.Tq < attnBF16MinRows {
		b.attentionForwardF32(out, probs, q, k, v, keyMask, s)
	} else {
		b.attentionForwardBF16(out, nil, probs, q, k, v, keyMask, s)
	}
}

// maskedSoftmax turns probs (B, NH, Tq, Tk) from scores into
// probabilities in place (masked_softmax_f32).
func (b *Backend) maskedSoftmax(probs *tensor.Tensor, keyMask []int32, s attnShape) {
	mask := b.ring.put(keyMask)
	rows := s.B * s.NH * s.Tq
	b.launch("masked_softmax_f32", [3]int{(rows + 3) / 4, 1, 1}, [3]int{128, 1, 1}, 0, ptr(probs), argPtr(mask),
		argI32(rows), argI32(s.NH), argI32(s.Tq), argI32(s.Tk))
}

// softmaxBackward turns dP (B, NH, Tq, Tk) into dS in place
// (softmax_backward_f32).
func (b *Backend) softmaxBackward(dP uint64, probs *tensor.Tensor, s attnShape) {
	rows := s.B * s.NH * s.Tq
	b.launch("softmax_backward_f32", [3]int{(rows + 3) / 4, 1, 1}, [3]int{128, 1, 1}, 0, argPtr(dP), ptr(probs),
		argI32(rows), argI32(s.Tk))
}

// attnDPBuf returns the backward's dP scratch, at least n elements.
func (b *Backend) attnDPBuf(n int) *tensor.Tensor { return b.grow(&b.attnDP, tensor.F32, n) }

// attentionForwardF32: the products on gemm_f32 (Options.AttentionF32).
func (b *Backend) attentionForwardF32(out, probs, q, k, v *tensor.Tensor, keyMask []int32, s attnShape) {
	qC, kC, TT := s.NH*s.HS, s.NKV*s.HS, s.Tq*s.Tk
	group := s.NH / s.NKV
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	b.gemmF32(gemmF32{c: addr(probs), a: addr(q), b: addr(k), m: s.Tq, n: s.Tk, k: s.HS,
		lda: qC, ldb: kC, ldc: s.Tk, tb: true, alpha: scale,
		sAb: s.Tq * qC, sAh: s.HS, sBb: s.Tk * kC, sBh: s.HS, sCb: s.NH * TT, sCh: TT,
		batches: s.B, heads: s.NH, group: group})
	b.maskedSoftmax(probs, keyMask, s)
	b.gemmF32(gemmF32{c: addr(out), a: addr(probs), b: addr(v), m: s.Tq, n: s.HS, k: s.Tk,
		lda: s.Tk, ldb: kC, ldc: qC, alpha: 1,
		sAb: s.NH * TT, sAh: TT, sBb: s.Tk * kC, sBh: s.HS, sCb: s.Tq * qC, sCh: s.HS,
		batches: s.B, heads: s.NH, group: group})
}

// AttentionBackward implements tensor.Attention.
func (b *Backend) AttentionBackward(dq, dk, dv, dOut, q, k, v, probs *tensor.Tensor, heads, kvHeads int) {
	s := attnCheck("AttentionBackward", dOut, probs, q, k, v, heads, kvHeads)
	needF32("AttentionBackward", dq, dk, dv)
	if !tensor.SameShape(dq, q) || !tensor.SameShape(dk, k) || !tensor.SameShape(dv, v) {
		panic(fmt.Sprintf("cuda: AttentionBackward: dq %v, dk %v, dv %v", dq, dk, dv))
	}
	if s.Tq == 0 || s.Tk == 0 {
		b.Fill(dq, 0)
		b.Fill(dk, 0)
		b.Fill(dv, 0)
		return
	}
	if b.attnF32 || s.Tq < attnBF16MinRows {
		b.attentionBackwardF32(dq, dk, dv, dOut, q, k, v, probs, s)
	} else {
		b.attentionBackwardBF16(dq, dk, dv, dOut, q, k, v, probs, s)
	}
}

// attentionBackwardF32: the products on gemm_f32 (Options.AttentionF32).
// dV and dK of a key/value head sum over its group of query heads: one
// launch per member of the group, the first overwriting and the rest
// accumulating.
func (b *Backend) attentionBackwardF32(dq, dk, dv, dOut, q, k, v, probs *tensor.Tensor, s attnShape) {
	qC, kC, TT := s.NH*s.HS, s.NKV*s.HS, s.Tq*s.Tk
	group := s.NH / s.NKV
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	dP := addr(b.attnDPBuf(probs.Len()))
	P := addr(probs)
	for g := 0; g < group; g++ { // dV (Tk, HS) (+)= P_h^T dO_h, h = kv*group + g
		b.gemmF32(gemmF32{c: addr(dv), a: P + uint64(4*g*TT), b: addr(dOut) + uint64(4*g*s.HS),
			m: s.Tk, n: s.HS, k: s.Tq, lda: s.Tk, ldb: qC, ldc: kC, ta: true, alpha: 1, beta: float32(min(g, 1)),
			sAb: s.NH * TT, sAh: group * TT, sBb: s.Tq * qC, sBh: group * s.HS, sCb: s.Tk * kC, sCh: s.HS,
			batches: s.B, heads: s.NKV, group: 1})
	}
	// dP (Tq, Tk) = dO_h V^T
	b.gemmF32(gemmF32{c: dP, a: addr(dOut), b: addr(v), m: s.Tq, n: s.Tk, k: s.HS,
		lda: qC, ldb: kC, ldc: s.Tk, tb: true, alpha: 1,
		sAb: s.Tq * qC, sAh: s.HS, sBb: s.Tk * kC, sBh: s.HS, sCb: s.NH * TT, sCh: TT,
		batches: s.B, heads: s.NH, group: group})
	b.softmaxBackward(dP, probs, s)
	// dQ (Tq, HS) = scale dS K
	b.gemmF32(gemmF32{c: addr(dq), a: dP, b: addr(k), m: s.Tq, n: s.HS, k: s.Tk,
		lda: s.Tk, ldb: kC, ldc: qC, alpha: scale,
		sAb: s.NH * TT, sAh: TT, sBb: s.Tk * kC, sBh: s.HS, sCb: s.Tq * qC, sCh: s.HS,
		batches: s.B, heads: s.NH, group: group})
	for g := 0; g < group; g++ { // dK (Tk, HS) (+)= scale dS_h^T Q_h
		b.gemmF32(gemmF32{c: addr(dk), a: dP + uint64(4*g*TT), b: addr(q) + uint64(4*g*s.HS),
			m: s.Tk, n: s.HS, k: s.Tq, lda: s.Tk, ldb: qC, ldc: kC, ta: true, alpha: scale, beta: float32(min(g, 1)),
			sAb: s.NH * TT, sAh: group * TT, sBb: s.Tq * qC, sBh: group * s.HS, sCb: s.Tk * kC, sCh: s.HS,
			batches: s.B, heads: s.NKV, group: 1})
	}
}

// headPad is the packed head size: hs rounded up to a multiple of 8
// BF16 elements (16 bytes).
func headPad(hs int) int { return (hs + 7) &^ 7 }

// packGrid: one warp per row, 8 per block of 256; the kernels stride over
// the rest.
func packGrid(rows int) [3]int { return [3]int{min((rows+7)/8, 1<<16), 1, 1} }

// packHeads launches pack_heads_bf16: into slot i of the BF16 scratch
// (grown on demand), (B*NH, T, HSp) = scale * in (B, T, nIn*HS), head h
// reading head h / (NH/nIn). It returns the packed tensor.
func (b *Backend) packHeads(i int, in *tensor.Tensor, s attnShape, T, nIn int, scale float32) *tensor.Tensor {
	HSp := headPad(s.HS)
	n := s.B * s.NH * T * HSp
	out := b.grow(&b.attnBF[i], tensor.BF16, n).View(0, s.B*s.NH, T, HSp)
	name := "pack_heads_bf16"
	if s.HS%4 == 0 && addr(in)%16 == 0 {
		name = "pack_heads_bf16_x4" // four columns a lane
	}
	b.launch(name, packGrid(s.B*s.NH*T), block256, 0, ptr(out), ptr(in), argI32(s.B), argI32(T),
		argI32(s.NH), argI32(nIn), argI32(s.HS), argI32(HSp), argF32(scale))
	return out
}

// packedF32 returns the F32 scratch for a packed product (B*NH, T, HSp),
// grown on demand.
func (b *Backend) packedF32(s attnShape, T int) *tensor.Tensor {
	HSp := headPad(s.HS)
	// Sized for the longer of Tq and Tk: the backward pass asks for both.
	return b.grow(&b.attnOut, tensor.F32, s.B*s.NH*max(s.Tq, s.Tk)*HSp).View(0, s.B*s.NH, T, HSp)
}

// unpackHeads launches unpack_heads_f32: out (B, T, nOut*HS) = scale * the
// sum of packed in (B*NH, T, HSp) over each group of NH/nOut heads.
func (b *Backend) unpackHeads(out, in *tensor.Tensor, s attnShape, T, nOut int, scale float32) {
	name := "unpack_heads_f32"
	if s.HS%4 == 0 && addr(out)%16 == 0 {
		name = "unpack_heads_f32_x4" // four columns a lane
	}
	b.launch(name, packGrid(s.B*T*nOut), block256, 0, ptr(out), ptr(in), argI32(s.B), argI32(T),
		argI32(s.NH), argI32(nOut), argI32(s.HS), argI32(headPad(s.HS)), argF32(scale))
}

// AttentionForwardCopy implements tensor.FusedCopies: on the tensor
// cores the unpacking of the output writes the BF16 copy too
// (unpack_heads_f32_copy); the float32 path (and Options.UnfusedCopies)
// converts after AttentionForward.
func (b *Backend) AttentionForwardCopy(out, outCopy, probs, q, k, v *tensor.Tensor, keyMask []int32, heads, kvHeads int) {
	s := attnCheck("AttentionForward", out, probs, q, k, v, heads, kvHeads)
	if b.unfusedCopies || outCopy.DType() != tensor.BF16 || b.attnF32 || s.Tq < attnBF16MinRows || s.Tk == 0 ||
		(keyMask != nil && len(keyMask) != s.B*s.Tk) {
		b.AttentionForward(out, probs, q, k, v, keyMask, heads, kvHeads)
		b.Copy(outCopy, out)
		return
	}
	if outCopy.Len() != out.Len() {
		panic(fmt.Sprintf("cuda: AttentionForwardCopy: copy %v of %v", outCopy, out))
	}
	b.attentionForwardBF16(out, outCopy, probs, q, k, v, keyMask, s)
}

// attentionForwardBF16: the products on the tensor cores over packed heads
// (see the top of this file); outCopy, if not nil, receives out in BF16.
func (b *Backend) attentionForwardBF16(out, outCopy, probs, q, k, v *tensor.Tensor, keyMask []int32, s attnShape) {
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	qp := b.packHeads(0, q, s, s.Tq, s.NH, scale)
	kp := b.packHeads(1, k, s, s.Tk, s.NKV, 1)
	vp := b.packHeads(2, v, s, s.Tk, s.NKV, 1)
	P := probs.Reshape(s.B*s.NH, s.Tq, s.Tk)
	b.MatMul(P, qp, kp, false, true, 0) // scores (Tq, Tk) = (scale Q) K^T per head
	pb := b.attnBF16(4, s)
	mask := b.ring.put(keyMask)
	rows := s.B * s.NH * s.Tq
	b.launch("masked_softmax_f32_bf16", [3]int{(rows + 3) / 4, 1, 1}, [3]int{128, 1, 1}, 0, ptr(probs), ptr(pb),
		argPtr(mask), argI32(rows), argI32(s.NH), argI32(s.Tq), argI32(s.Tk))
	op := b.packedF32(s, s.Tq)
	b.MatMul(op, pb, vp, false, false, 0) // (Tq, HSp) = P V, P in BF16 from the softmax
	if outCopy != nil {
		b.launch("unpack_heads_f32_copy", packGrid(s.B*s.Tq*s.NH), block256, 0, ptr(out), ptr(outCopy), ptr(op),
			argI32(s.B), argI32(s.Tq), argI32(s.NH), argI32(s.HS), argI32(headPad(s.HS)), argF32(1))
		return
	}
	b.unpackHeads(out, op, s, s.Tq, s.NH, 1)
}

// attnBF16 returns BF16 scratch slot i (4: P, 5: dS) shaped (B*NH, Tq, Tk),
// grown on demand.
func (b *Backend) attnBF16(i int, s attnShape) *tensor.Tensor {
	n := s.B * s.NH * s.Tq * s.Tk
	return b.grow(&b.attnBF[i], tensor.BF16, n).View(0, s.B*s.NH, s.Tq, s.Tk)
}

// attentionBackwardBF16: the backward products on the tensor cores over
// packed heads. softmax_backward_bf16 writes dS and P in BF16 (the
// operands of the dQ, dK and dV products) from float32 dP and P.
func (b *Backend) attentionBackwardBF16(dq, dk, dv, dOut, q, k, v, probs *tensor.Tensor, s attnShape) {
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	qp := b.packHeads(0, q, s, s.Tq, s.NH, scale)
	kp := b.packHeads(1, k, s, s.Tk, s.NKV, 1)
	vp := b.packHeads(2, v, s, s.Tk, s.NKV, 1)
	dop := b.packHeads(3, dOut, s, s.Tq, s.NH, 1)
	dP := b.attnDPBuf(probs.Len()).View(0, s.B*s.NH, s.Tq, s.Tk)
	b.MatMul(dP, dop, vp, false, true, 0) // dP (Tq, Tk) = dO V^T
	dS, pb := b.attnBF16(5, s), b.attnBF16(4, s)
	rows := s.B * s.NH * s.Tq
	b.launch("softmax_backward_bf16", [3]int{(rows + 3) / 4, 1, 1}, [3]int{128, 1, 1}, 0, ptr(dS), ptr(pb), ptr(dP),
		ptr(probs), argI32(rows), argI32(s.Tk))
	dvp := b.packedF32(s, s.Tk)
	b.MatMul(dvp, pb, dop, true, false, 0) // dV_h (Tk, HSp) = P^T dO
	b.unpackHeads(dv, dvp, s, s.Tk, s.NKV, 1)
	dqp := b.packedF32(s, s.Tq)
	b.MatMul(dqp, dS, kp, false, false, 0) // dQ (Tq, HSp) = scale dS K
	b.unpackHeads(dq, dqp, s, s.Tq, s.NH, scale)
	dkp := b.packedF32(s, s.Tk)
	b.MatMul(dkp, dS, qp, true, false, 0) // dK_h (Tk, HSp) = dS^T (scale Q)
	b.unpackHeads(dk, dkp, s, s.Tk, s.NKV, 1)
}
