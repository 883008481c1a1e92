// Attention, materialised: scores Q K^T into the probs buffer, masked
// softmax in place, P V; the backward pass on the same buffers. The
// products run on gemm_f32 with per-(batch, head) strides and the GQA group
// mapping of kernels/gemm_f32.cu.

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
	qC, kC, TT := s.NH*s.HS, s.NKV*s.HS, s.Tq*s.Tk
	group := s.NH / s.NKV
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	b.gemmF32(gemmF32{c: addr(probs), a: addr(q), b: addr(k), m: s.Tq, n: s.Tk, k: s.HS,
		lda: qC, ldb: kC, ldc: s.Tk, tb: true, alpha: scale,
		sAb: s.Tq * qC, sAh: s.HS, sBb: s.Tk * kC, sBh: s.HS, sCb: s.NH * TT, sCh: TT,
		batches: s.B, heads: s.NH, group: group})
	mask := b.ring.put(keyMask)
	rows := s.B * s.NH * s.Tq
	b.launch("masked_softmax_f32", [3]int{(rows + 3) / 4, 1, 1}, [3]int{128, 1, 1}, 0, ptr(probs), argPtr(mask),
		argI32(rows), argI32(s.NH), argI32(s.Tq), argI32(s.Tk))
	b.gemmF32(gemmF32{c: addr(out), a: addr(probs), b: addr(v), m: s.Tq, n: s.HS, k: s.Tk,
		lda: s.Tk, ldb: kC, ldc: qC, alpha: 1,
		sAb: s.NH * TT, sAh: TT, sBb: s.Tk * kC, sBh: s.HS, sCb: s.Tq * qC, sCh: s.HS,
		batches: s.B, heads: s.NH, group: group})
}

// AttentionBackward implements tensor.Attention. dV and dK of a key/value
// head sum over its group of query heads: one launch per member of the
// group, the first overwriting and the rest accumulating.
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
	qC, kC, TT := s.NH*s.HS, s.NKV*s.HS, s.Tq*s.Tk
	group := s.NH / s.NKV
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	if b.attnDP == nil || b.attnDP.Len() < probs.Len() {
		b.attnDP = b.New(tensor.F32, probs.Len())
	}
	dP := addr(b.attnDP)
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
	rows := s.B * s.NH * s.Tq
	b.launch("softmax_backward_f32", [3]int{(rows + 3) / 4, 1, 1}, [3]int{128, 1, 1}, 0, argPtr(dP), ptr(probs),
		argI32(rows), argI32(s.Tk))
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
