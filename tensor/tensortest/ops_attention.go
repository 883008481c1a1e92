// Attention conformance: causal, grouped heads, key padding, KV-cache
// decoding (Tq < Tk), forward and backward.

package tensortest

import (
	"fmt"
	"math"
	"testing"

	"embrec/tensor"
)

type attnCase struct{ B, Tq, Tk, NH, NKV, HS int }

// attnRef returns out (B,Tq,NH*HS) and probs (B,NH,Tq,Tk) in float64.
func attnRef(c attnCase, q, k, v []float64, mask []int32) (out, probs []float64) {
	qC, kC, g := c.NH*c.HS, c.NKV*c.HS, c.NH/c.NKV
	out, probs = make([]float64, c.B*c.Tq*qC), make([]float64, c.B*c.NH*c.Tq*c.Tk)
	scale := 1 / math.Sqrt(float64(c.HS))
	for b := 0; b < c.B; b++ {
		for h := 0; h < c.NH; h++ {
			kv := h / g
			for i := 0; i < c.Tq; i++ {
				p := probs[((b*c.NH+h)*c.Tq+i)*c.Tk : ((b*c.NH+h)*c.Tq+i+1)*c.Tk]
				mx, any := math.Inf(-1), false
				for j := 0; j <= i+c.Tk-c.Tq; j++ {
					if mask != nil && mask[b*c.Tk+j] == 0 {
						continue
					}
					s := 0.0
					for d := 0; d < c.HS; d++ {
						s += q[(b*c.Tq+i)*qC+h*c.HS+d] * k[(b*c.Tk+j)*kC+kv*c.HS+d]
					}
					p[j] = s * scale
					mx, any = math.Max(mx, p[j]), true
				}
				if !any {
					continue
				}
				sum := 0.0
				for j := 0; j <= i+c.Tk-c.Tq; j++ {
					if mask == nil || mask[b*c.Tk+j] != 0 {
						p[j] = math.Exp(p[j] - mx)
						sum += p[j]
					}
				}
				for j := range p {
					p[j] /= sum
					for d := 0; d < c.HS; d++ {
						out[(b*c.Tq+i)*qC+h*c.HS+d] += p[j] * v[(b*c.Tk+j)*kC+kv*c.HS+d]
					}
				}
			}
		}
	}
	return out, probs
}

// attnBackRef returns dq, dk, dv of L = <dOut, attention(q, k, v)>.
func attnBackRef(c attnCase, q, k, v, dOut []float64, mask []int32) (dq, dk, dv []float64) {
	_, probs := attnRef(c, q, k, v, mask)
	qC, kC, g := c.NH*c.HS, c.NKV*c.HS, c.NH/c.NKV
	dq, dk, dv = make([]float64, len(q)), make([]float64, len(k)), make([]float64, len(v))
	scale := 1 / math.Sqrt(float64(c.HS))
	dP := make([]float64, c.Tk)
	for b := 0; b < c.B; b++ {
		for h := 0; h < c.NH; h++ {
			kv := h / g
			for i := 0; i < c.Tq; i++ {
				p := probs[((b*c.NH+h)*c.Tq+i)*c.Tk : ((b*c.NH+h)*c.Tq+i+1)*c.Tk]
				do := dOut[(b*c.Tq+i)*qC+h*c.HS : (b*c.Tq+i)*qC+h*c.HS+c.HS]
				s := 0.0
				for j := range p {
					dP[j] = 0
					for d := 0; d < c.HS; d++ {
						dP[j] += do[d] * v[(b*c.Tk+j)*kC+kv*c.HS+d]
						dv[(b*c.Tk+j)*kC+kv*c.HS+d] += p[j] * do[d]
					}
					s += p[j] * dP[j]
				}
				for j := range p {
					ds := p[j] * (dP[j] - s) * scale
					for d := 0; d < c.HS; d++ {
						dq[(b*c.Tq+i)*qC+h*c.HS+d] += ds * k[(b*c.Tk+j)*kC+kv*c.HS+d]
						dk[(b*c.Tk+j)*kC+kv*c.HS+d] += ds * q[(b*c.Tq+i)*qC+h*c.HS+d]
					}
				}
			}
		}
	}
	return dq, dk, dv
}

// attnCases: one head, grouped heads, decoding (Tq < Tk; one query for
// several rows), empty shapes,
// odd head sizes.
var attnCases = []attnCase{
	{1, 1, 1, 1, 1, 1}, {1, 5, 5, 1, 1, 8}, {2, 13, 13, 4, 2, 8}, {2, 7, 7, 6, 2, 20},
	{1, 1, 7, 4, 1, 8}, {3, 1, 9, 4, 2, 8}, {2, 3, 9, 6, 3, 4}, {1, 0, 4, 2, 1, 4}, {1, 0, 0, 2, 2, 4}, {3, 31, 31, 2, 2, 5},
}

// attnInputs draws case c's inputs in e: the key mask (masked: left
// padding, batch b has b+1 padded keys, so the first batch loses all of
// them when Tk == 1), random q, k, v and dOut values, and q, k, v tensors.
func attnInputs(e *env, c attnCase, masked bool) (mask []int32, qv, kv, vv, dv []float64, q, k, v *tensor.Tensor) {
	if masked {
		mask = make([]int32, c.B*c.Tk)
		for bb := 0; bb < c.B; bb++ {
			for j := bb + 1; j < c.Tk; j++ {
				mask[bb*c.Tk+j] = 1
			}
		}
	}
	qC, kC := c.NH*c.HS, c.NKV*c.HS
	qv, kv, vv, dv = e.randn(c.B*c.Tq*qC), e.randn(c.B*c.Tk*kC), e.randn(c.B*c.Tk*kC), e.randn(c.B*c.Tq*qC)
	q, k, v = e.tensor("q", qv, c.B, c.Tq, qC), e.tensor("k", kv, c.B, c.Tk, kC), e.tensor("v", vv, c.B, c.Tk, kC)
	return
}

// Attention checks AttentionForward and AttentionBackward.
func Attention(t *testing.T, b tensor.Backend, tol Tolerances) {
	for ci, c := range attnCases {
		for _, masked := range []bool{false, true} {
			name := fmt.Sprintf("B%d_Tq%d_Tk%d_NH%d_NKV%d_HS%d_mask%v", c.B, c.Tq, c.Tk, c.NH, c.NKV, c.HS, masked)
			e := newEnv(t, b, tol, uint64(ci*2+1))
			mask, qv, kv, vv, dv, q, k, v := attnInputs(e, c, masked)
			qC, kC := c.NH*c.HS, c.NKV*c.HS
			out, probs := e.tensor("out", nil, c.B, c.Tq, qC), e.tensor("probs", nil, c.B, c.NH, c.Tq, c.Tk)
			e.b.AttentionForward(out, probs, q, k, v, mask, c.NH, c.NKV)
			refOut, refP := attnRef(c, qv, kv, vv, mask)
			e.compare("AttentionForward out "+name, "attention", e.read(out), refOut, rmsScale(refOut))
			e.compare("AttentionForward probs "+name, "attention", e.read(probs), refP, rmsScale(refP))
			// With its BF16 copy (tensor.FusedCopies or its fallback): the
			// same out bit for bit, the copy rounded to nearest even.
			out2, probs2, cp := e.tensor("out (copy)", nil, c.B, c.Tq, qC), e.tensor("probs (copy)", nil, c.B, c.NH, c.Tq, c.Tk),
				e.b.New(tensor.BF16, c.B, c.Tq, qC)
			tensor.Copies(e.b).AttentionForwardCopy(out2, cp, probs2, q, k, v, mask, c.NH, c.NKV)
			e.sameBits("AttentionForwardCopy out "+name, e.read(out2), e.read(out))
			e.sameBits("AttentionForwardCopy copy "+name, e.read(cp), roundBF16(e.read(out)))

			d := e.tensor("dOut", dv, c.B, c.Tq, qC)
			dq, dk, dvv := e.tensor("dq", nil, c.B, c.Tq, qC), e.tensor("dk", nil, c.B, c.Tk, kC), e.tensor("dv", nil, c.B, c.Tk, kC)
			e.b.AttentionBackward(dq, dk, dvv, d, q, k, v, probs, c.NH, c.NKV)
			rq, rk, rv := attnBackRef(c, qv, kv, vv, dv, mask)
			e.compare("AttentionBackward dq "+name, "attention", e.read(dq), rq, rmsScale(rq))
			e.compare("AttentionBackward dk "+name, "attention", e.read(dk), rk, rmsScale(rk))
			e.compare("AttentionBackward dv "+name, "attention", e.read(dvv), rv, rmsScale(rv))
			loss := func() float64 { o, _ := attnRef(c, qv, kv, vv, mask); return dot(dv, o) }
			e.fdCheck("Attention dq "+name, qv, rq, loss, 3)
			e.fdCheck("Attention dk "+name, kv, rk, loss, 3)
			e.fdCheck("Attention dv "+name, vv, rv, loss, 3)
			e.checkPadding()
		}
	}
}

// AttentionLSE returns, in float64, the log-sum-exp of each query row's
// scaled scores (B, NH, Tq) for attention of q (B, Tq, NH*HS) over k (B,
// Tk, NKV*HS) with tensor.Attention's causal offset and key mask (nil: all
// keys): what tensor.FlashAttention's forward saves. -Inf for a row that
// sees no key.
func AttentionLSE(B, Tq, Tk, NH, NKV, HS int, q, k []float64, mask []int32) []float64 {
	c := attnCase{B, Tq, Tk, NH, NKV, HS}
	qC, kC, g := c.NH*c.HS, c.NKV*c.HS, c.NH/c.NKV
	out := make([]float64, c.B*c.NH*c.Tq)
	scale := 1 / math.Sqrt(float64(c.HS))
	for b := 0; b < c.B; b++ {
		for h := 0; h < c.NH; h++ {
			for i := 0; i < c.Tq; i++ {
				var s []float64
				for j := 0; j <= i+c.Tk-c.Tq; j++ {
					if mask != nil && mask[b*c.Tk+j] == 0 {
						continue
					}
					x := 0.0
					for d := 0; d < c.HS; d++ {
						x += q[(b*c.Tq+i)*qC+h*c.HS+d] * k[(b*c.Tk+j)*kC+(h/g)*c.HS+d]
					}
					s = append(s, x*scale)
				}
				mx, sum := math.Inf(-1), 0.0
				for _, x := range s {
					mx = math.Max(mx, x)
				}
				for _, x := range s {
					sum += math.Exp(x - mx)
				}
				out[(b*c.NH+h)*c.Tq+i] = mx + math.Log(sum) // -Inf + log(0) for a row without keys
			}
		}
	}
	return out
}

// FlashAttention checks a backend's optional fused attention
// (tensor.FlashAttention) on Attention's cases within its head-size limit:
// out, the log-sum-exp (absolute error, under the "attention" Atol+Rtol of
// the scores' scale), dq, dk, dv, and every buffer's padding. It skips
// when b has no fused attention.
func FlashAttention(t *testing.T, b tensor.Backend, tol Tolerances) {
	f, ok := b.(tensor.FlashAttention)
	if !ok {
		t.Skip("no fused attention")
	}
	for ci, c := range attnCases {
		if c.HS > f.FlashAttentionMaxHeadSize() {
			continue
		}
		for _, masked := range []bool{false, true} {
			name := fmt.Sprintf("B%d_Tq%d_Tk%d_NH%d_NKV%d_HS%d_mask%v", c.B, c.Tq, c.Tk, c.NH, c.NKV, c.HS, masked)
			e := newEnv(t, b, tol, uint64(ci*2+101))
			mask, qv, kv, vv, dv, q, k, v := attnInputs(e, c, masked)
			qC, kC := c.NH*c.HS, c.NKV*c.HS
			out, lse := e.tensor("out", nil, c.B, c.Tq, qC), e.tensor("lse", nil, c.B, c.NH, c.Tq)
			f.FlashAttentionForward(out, lse, q, k, v, mask, c.NH, c.NKV)
			refOut, _ := attnRef(c, qv, kv, vv, mask)
			e.compare("FlashAttentionForward out "+name, "attention", e.read(out), refOut, rmsScale(refOut))
			refL, gotL := AttentionLSE(c.B, c.Tq, c.Tk, c.NH, c.NKV, c.HS, qv, kv, mask), e.read(lse)
			for i, w := range refL { // -Inf exactly where the reference is; the rest as scores
				if math.IsInf(w, -1) != math.IsInf(gotL[i], -1) {
					t.Errorf("FlashAttentionForward lse %s: element %d is %v, want %v", name, i, gotL[i], w)
				}
				if math.IsInf(w, -1) {
					refL[i], gotL[i] = 0, 0
				}
			}
			e.compare("FlashAttentionForward lse "+name, "attention", gotL, refL, rmsScale(refL))

			d := e.tensor("dOut", dv, c.B, c.Tq, qC)
			dq, dk, dvv := e.tensor("dq", nil, c.B, c.Tq, qC), e.tensor("dk", nil, c.B, c.Tk, kC), e.tensor("dv", nil, c.B, c.Tk, kC)
			f.FlashAttentionBackward(dq, dk, dvv, d, q, k, v, out, lse, mask, c.NH, c.NKV)
			rq, rk, rv := attnBackRef(c, qv, kv, vv, dv, mask)
			e.compare("FlashAttentionBackward dq "+name, "attention", e.read(dq), rq, rmsScale(rq))
			e.compare("FlashAttentionBackward dk "+name, "attention", e.read(dk), rk, rmsScale(rk))
			e.compare("FlashAttentionBackward dv "+name, "attention", e.read(dvv), rv, rmsScale(rv))
			e.checkPadding()
		}
	}
}
