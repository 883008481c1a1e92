// CPU causal self-attention with grouped key/value heads and a key mask.
// Each (batch, head) pair is two SGEMMs around a masked row softmax; the
// probabilities are kept for the backward pass. Causality is applied by the
// mask, so the GEMMs compute the full Tq x Tk square: twice the flops of a
// triangle, but at SGEMM speed rather than a scalar loop's.

package tensor

import (
	"fmt"
	"math"

	"embrec/tensor/internal/gemm"
)

type attnShape struct {
	B, Tq, Tk, NH, NKV, HS int
}

func attnCheck(op string, out, probs, q, k, v *Tensor, heads, kvHeads int) attnShape {
	if q.Rank() != 3 || k.Rank() != 3 || heads <= 0 || kvHeads <= 0 || heads%kvHeads != 0 || q.Dim(2)%heads != 0 {
		panic(fmt.Sprintf("tensor: %s: q %v, k %v, heads %d/%d", op, q, k, heads, kvHeads))
	}
	s := attnShape{B: q.Dim(0), Tq: q.Dim(1), Tk: k.Dim(1), NH: heads, NKV: kvHeads, HS: q.Dim(2) / heads}
	if k.Dim(0) != s.B || k.Dim(2) != kvHeads*s.HS || !SameShape(k, v) || !SameShape(out, q) ||
		probs.Len() != s.B*s.NH*s.Tq*s.Tk {
		panic(fmt.Sprintf("tensor: %s: out %v, probs %v, q %v, k %v, v %v, heads %d/%d",
			op, out, probs, q, k, v, heads, kvHeads))
	}
	return s
}

// AttentionForward implements Attention.
func (c *CPU) AttentionForward(out, probs, q, k, v *Tensor, keyMask []int32, heads, kvHeads int) {
	s := attnCheck("AttentionForward", out, probs, q, k, v, heads, kvHeads)
	if keyMask != nil && len(keyMask) != s.B*s.Tk {
		panic(fmt.Sprintf("tensor: AttentionForward: key mask of %d for (%d, %d)", len(keyMask), s.B, s.Tk))
	}
	o, p, qs, ks, vs := Float32s(out), Float32s(probs), Float32s(q), Float32s(k), Float32s(v)
	if s.Tq == 0 || s.Tk == 0 {
		clear(o) // no keys: every query outputs zeros
		return
	}
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	qC, kC := s.NH*s.HS, s.NKV*s.HS
	group := s.NH / s.NKV
	for b := 0; b < s.B; b++ {
		var mask []int32
		if keyMask != nil {
			mask = keyMask[b*s.Tk : (b+1)*s.Tk]
		}
		for h := 0; h < s.NH; h++ {
			kv := h / group
			ph := p[(b*s.NH+h)*s.Tq*s.Tk : (b*s.NH+h+1)*s.Tq*s.Tk]
			qh := qs[b*s.Tq*qC+h*s.HS:]
			kh := ks[b*s.Tk*kC+kv*s.HS:]
			vh := vs[b*s.Tk*kC+kv*s.HS:]
			// (Tq, Tk) = scale * (Tq, HS) @ (Tk, HS)^T
			c.sgemm(true, false, true, s.Tq, s.Tk, s.HS, scale, qh, qC, kh, kC, 0, ph, s.Tk)
			maskedSoftmax(ph, s.Tq, s.Tk, mask)
			// (Tq, HS) = (Tq, Tk) @ (Tk, HS)
			c.sgemm(true, false, false, s.Tq, s.HS, s.Tk, 1, ph, s.Tk, vh, kC, 0, o[b*s.Tq*qC+h*s.HS:], qC)
		}
	}
}

// maskedSoftmax turns each row i of the (Tq, Tk) scores into probabilities
// over the keys j <= i+Tk-Tq with mask[j] != 0; other entries become 0.
func maskedSoftmax(p []float32, Tq, Tk int, mask []int32) {
	for i := 0; i < Tq; i++ {
		row := p[i*Tk : i*Tk+Tk]
		last := i + Tk - Tq // last visible key
		mx := float32(math.Inf(-1))
		for j := 0; j <= last; j++ {
			if mask == nil || mask[j] != 0 {
				mx = max(mx, row[j])
			}
		}
		var sum float64
		for j := range row {
			if j <= last && (mask == nil || mask[j] != 0) {
				e := exp32(row[j] - mx)
				row[j] = e
				sum += float64(e)
			} else {
				row[j] = 0
			}
		}
		if sum > 0 {
			inv := float32(1 / sum)
			for j := 0; j <= last; j++ {
				row[j] *= inv
			}
		}
	}
}

// AttentionBackward implements Attention. Per head, with P the
// probabilities and dP = dO V^T: dS = P * (dP - rowsum(P*dP)),
// dQ = scale dS K, dK += scale dS^T Q, dV += P^T dO (dK, dV summed over the
// query heads that share a key/value head).
func (c *CPU) AttentionBackward(dq, dk, dv, dOut, q, k, v, probs *Tensor, heads, kvHeads int) {
	s := attnCheck("AttentionBackward", dOut, probs, q, k, v, heads, kvHeads)
	if !SameShape(dq, q) || !SameShape(dk, k) || !SameShape(dv, v) {
		panic(fmt.Sprintf("tensor: AttentionBackward: dq %v, dk %v, dv %v", dq, dk, dv))
	}
	need := s.Tq * s.Tk
	if cap(c.scratch) < need {
		c.scratch = make([]float32, need)
	}
	dP := c.scratch[:need]
	dqs, dks, dvs, d := Float32s(dq), Float32s(dk), Float32s(dv), Float32s(dOut)
	p, qs, ks, vs := Float32s(probs), Float32s(q), Float32s(k), Float32s(v)
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	qC, kC := s.NH*s.HS, s.NKV*s.HS
	group := s.NH / s.NKV
	if s.Tq == 0 || s.Tk == 0 {
		clear(dqs)
		clear(dks)
		clear(dvs)
		return
	}
	for b := 0; b < s.B; b++ {
		for h := 0; h < s.NH; h++ {
			kv := h / group
			beta := float32(1) // later heads of a group accumulate
			if h%group == 0 {
				beta = 0
			}
			ph := p[(b*s.NH+h)*need : (b*s.NH+h+1)*need]
			qh, dqh, dOh := qs[b*s.Tq*qC+h*s.HS:], dqs[b*s.Tq*qC+h*s.HS:], d[b*s.Tq*qC+h*s.HS:]
			kh, dkh := ks[b*s.Tk*kC+kv*s.HS:], dks[b*s.Tk*kC+kv*s.HS:]
			vh, dvh := vs[b*s.Tk*kC+kv*s.HS:], dvs[b*s.Tk*kC+kv*s.HS:]
			// dV (Tk, HS) (+)= P^T (Tk, Tq) @ dO (Tq, HS)
			gemm.Sgemm(true, false, s.Tk, s.HS, s.Tq, 1, ph, s.Tk, dOh, qC, beta, dvh, kC)
			// dP (Tq, Tk) = dO (Tq, HS) @ V^T
			gemm.Sgemm(false, true, s.Tq, s.Tk, s.HS, 1, dOh, qC, vh, kC, 0, dP, s.Tk)
			for i := 0; i < s.Tq; i++ {
				pr, dr := ph[i*s.Tk:i*s.Tk+s.Tk], dP[i*s.Tk:i*s.Tk+s.Tk]
				var dot float64
				for j, pv := range pr {
					dot += float64(pv) * float64(dr[j])
				}
				dd := float32(dot)
				for j, pv := range pr {
					dr[j] = pv * (dr[j] - dd)
				}
			}
			// dQ (Tq, HS) = scale dS (Tq, Tk) @ K (Tk, HS)
			gemm.Sgemm(false, false, s.Tq, s.HS, s.Tk, scale, dP, s.Tk, kh, kC, 0, dqh, qC)
			// dK (Tk, HS) (+)= scale dS^T (Tk, Tq) @ Q (Tq, HS)
			gemm.Sgemm(true, false, s.Tk, s.HS, s.Tq, scale, dP, s.Tk, qh, qC, beta, dkh, kC)
		}
	}
}
