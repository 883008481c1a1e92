// Fused attention (tensor.FlashAttention) on kernels/flash.cu: no
// probabilities in memory, only each query row's log-sum-exp between the
// passes. The backward pass runs three kernels: D = rowsum(dO * out), then
// dK and dV per block of keys, then dQ per block of queries.

package cuda

import (
	"fmt"
	"math"

	"embrec/tensor"
)

// flashHeadSize is FD of kernels/flash.cu: the largest head size.
const flashHeadSize = 112

// flashRows is the rows per block of the kernels (FBR).
const flashRows = 64

// FlashAttentionMaxHeadSize implements tensor.FlashAttention.
func (b *Backend) FlashAttentionMaxHeadSize() int { return flashHeadSize }

// flashCheck validates the shapes of a fused attention call.
func flashCheck(op string, out, lse, q, k, v *tensor.Tensor, keyMask []int32, heads, kvHeads int) attnShape {
	needF32(op, out, lse)
	if dt := q.DType(); dt != tensor.F32 && dt != tensor.BF16 || k.DType() != dt || v.DType() != dt {
		panic(fmt.Sprintf("cuda: %s: q %v, k %v, v %v: want all F32 or all BF16", op, q, k, v))
	}
	if q.Rank() != 3 || k.Rank() != 3 || heads <= 0 || kvHeads <= 0 || heads%kvHeads != 0 || q.Dim(2)%heads != 0 {
		panic(fmt.Sprintf("cuda: %s: q %v, k %v, heads %d/%d", op, q, k, heads, kvHeads))
	}
	s := attnShape{B: q.Dim(0), Tq: q.Dim(1), Tk: k.Dim(1), NH: heads, NKV: kvHeads, HS: q.Dim(2) / heads}
	if k.Dim(0) != s.B || k.Dim(2) != kvHeads*s.HS || !tensor.SameShape(k, v) || !tensor.SameShape(out, q) ||
		lse.Len() != s.B*s.NH*s.Tq {
		panic(fmt.Sprintf("cuda: %s: out %v, lse %v, q %v, k %v, v %v, heads %d/%d", op, out, lse, q, k, v, heads, kvHeads))
	}
	if s.HS > flashHeadSize {
		panic(fmt.Sprintf("cuda: %s: head size %d over %d", op, s.HS, flashHeadSize))
	}
	if keyMask != nil && len(keyMask) != s.B*s.Tk {
		panic(fmt.Sprintf("cuda: %s: key mask of %d for (%d, %d)", op, len(keyMask), s.B, s.Tk))
	}
	return s
}

// flashIn is the kernel suffix for q, k and v's dtype.
func flashIn(q *tensor.Tensor) string {
	if q.DType() == tensor.BF16 {
		return "_bf16in"
	}
	return ""
}

// FlashAttentionForward implements tensor.FlashAttention.
func (b *Backend) FlashAttentionForward(out, lse, q, k, v *tensor.Tensor, keyMask []int32, heads, kvHeads int) {
	s := flashCheck("FlashAttentionForward", out, lse, q, k, v, keyMask, heads, kvHeads)
	if s.B == 0 || s.Tq == 0 {
		return
	}
	if s.Tk == 0 {
		b.Fill(out, 0)
		b.Fill(lse, float32(math.Inf(-1)))
		return
	}
	mask := b.ring.put(keyMask)
	b.launch("flash_forward_bf16"+flashIn(q), [3]int{(s.Tq + flashRows - 1) / flashRows, s.NH, s.B}, [3]int{128, 1, 1}, 0,
		ptr(out), ptr(lse), ptr(q), ptr(k), ptr(v), argPtr(mask), argI32(s.Tq), argI32(s.Tk), argI32(s.NH),
		argI32(s.NKV), argI32(s.HS), argF32(float32(1/math.Sqrt(float64(s.HS)))))
}

// FlashAttentionBackward implements tensor.FlashAttention.
func (b *Backend) FlashAttentionBackward(dq, dk, dv, dOut, q, k, v, out, lse *tensor.Tensor, keyMask []int32, heads, kvHeads int) {
	s := flashCheck("FlashAttentionBackward", out, lse, q, k, v, keyMask, heads, kvHeads)
	needF32("FlashAttentionBackward", dq, dk, dv, dOut)
	if !tensor.SameShape(dq, q) || !tensor.SameShape(dk, k) || !tensor.SameShape(dv, v) || !tensor.SameShape(dOut, q) {
		panic(fmt.Sprintf("cuda: FlashAttentionBackward: dq %v, dk %v, dv %v, dOut %v", dq, dk, dv, dOut))
	}
	if s.B == 0 {
		return
	}
	if s.Tq == 0 || s.Tk == 0 {
		b.Fill(dq, 0)
		b.Fill(dk, 0)
		b.Fill(dv, 0)
		return
	}
	scale := argF32(float32(1 / math.Sqrt(float64(s.HS))))
	D := b.grow(&b.flashD, tensor.F32, s.B*s.NH*s.Tq)
	b.launch("flash_backward_dot", packGrid(s.B*s.Tq*s.NH), block256, 0, ptr(D), ptr(dOut), ptr(out), argI32(s.B),
		argI32(s.Tq), argI32(s.NH), argI32(s.HS))
	mask := b.ring.put(keyMask)
	b.launch("flash_backward_dkdv"+flashIn(q), [3]int{(s.Tk + flashRows - 1) / flashRows, s.NKV, s.B}, [3]int{128, 1, 1}, 0,
		ptr(dk), ptr(dv), ptr(q), ptr(k), ptr(v), ptr(dOut), ptr(lse), ptr(D), argPtr(mask), argI32(s.Tq),
		argI32(s.Tk), argI32(s.NH), argI32(s.NKV), argI32(s.HS), scale)
	b.launch("flash_backward_dq"+flashIn(q), [3]int{(s.Tq + flashRows - 1) / flashRows, s.NH, s.B}, [3]int{128, 1, 1}, 0,
		ptr(dq), ptr(q), ptr(k), ptr(v), ptr(dOut), ptr(lse), ptr(D), argPtr(mask), argI32(s.Tq), argI32(s.Tk),
		argI32(s.NH), argI32(s.NKV), argI32(s.HS), scale)
}
