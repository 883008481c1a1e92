// CPU causal self-attention with grouped key/value heads and a key mask.
// Each (batch, head) pair is two SGEMMs around a masked row softmax; the
// probabilities are kept for the backward pass. Causality is applied by the
// mask, so the GEMMs compute the full Tq x Tk square: twice the flops of a
// triangle, but at SGEMM speed rather than a scalar loop's.
//
// With enough heads to go round, heads are split over the worker pool and
// each one's SGEMMs run on its own goroutine; otherwise heads run in turn
// and each SGEMM uses every core. The backward pass splits by key/value
// head group, since a group's query heads accumulate into the same dK, dV.

package tensor

import (
	"fmt"
	"math"

	"embrec/internal/vec"
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

// attnJob is one attention pass over heads (forward) or head groups
// (backward).
type attnJob struct {
	c                *CPU
	s                attnShape
	split            bool // heads run in parallel, each worker with its own attnWorker
	scale            float32
	mask             []int32
	o, p, q, k, v    []float32
	dq, dk, dv, dOut []float32
	workers          chan *attnWorker
}

// attnWorker is one worker's private state: its SGEMM buffers and the
// backward pass's dP (Tq, Tk).
type attnWorker struct {
	gemm gemm.Serial
	dP   []float32
}

func (j *attnJob) run(lo, hi int) {
	w := <-j.workers
	defer func() { j.workers <- w }()
	var serial *gemm.Serial // nil: heads in turn, each SGEMM on every core
	if j.split {
		serial = &w.gemm
	}
	if j.dOut == nil {
		for pr := lo; pr < hi; pr++ {
			j.forwardHead(pr/j.s.NH, pr%j.s.NH, serial)
		}
		return
	}
	group := j.s.NH / j.s.NKV
	for g := lo; g < hi; g++ {
		b, kv := g/j.s.NKV, g%j.s.NKV
		for h := kv * group; h < (kv+1)*group; h++ {
			j.backwardHead(b, h, h == kv*group, w.dP, serial)
		}
	}
}

func (j *attnJob) forwardHead(b, h int, serial *gemm.Serial) {
	s := j.s
	qC, kC := s.NH*s.HS, s.NKV*s.HS
	kv := h / (s.NH / s.NKV)
	ph := j.p[(b*s.NH+h)*s.Tq*s.Tk : (b*s.NH+h+1)*s.Tq*s.Tk]
	var mask []int32
	if j.mask != nil {
		mask = j.mask[b*s.Tk : (b+1)*s.Tk]
	}
	if s.Tq == 1 {
		j.forwardQuery(b, h, kv, ph, mask)
		return
	}
	// (Tq, Tk) = scale * (Tq, HS) @ (Tk, HS)^T
	j.c.sgemm(serial, false, true, s.Tq, s.Tk, s.HS, j.scale, j.q[b*s.Tq*qC+h*s.HS:], qC, j.k[b*s.Tk*kC+kv*s.HS:], kC, 0, ph, s.Tk)
	maskedSoftmax(ph, s.Tq, s.Tk, mask)
	// (Tq, HS) = (Tq, Tk) @ (Tk, HS)
	j.c.sgemm(serial, false, false, s.Tq, s.HS, s.Tk, 1, ph, s.Tk, j.v[b*s.Tk*kC+kv*s.HS:], kC, 0, j.o[b*s.Tq*qC+h*s.HS:], qC)
}

// forwardQuery is forwardHead for one query (a decoding step): the same
// products the small-M SGEMM path computes (scale * Dot(q, k_j), then
// Axpy(p_j, v_j) over the keys with p_j != 0, in key order), without its
// dispatch: one vec.DotRows and one vec.AxpyRows call per head.
func (j *attnJob) forwardQuery(b, h, kv int, ph []float32, mask []int32) {
	s := j.s
	qC, kC := s.NH*s.HS, s.NKV*s.HS
	q := j.q[b*qC+h*s.HS:][:s.HS]
	keys, vals := j.k[b*s.Tk*kC+kv*s.HS:], j.v[b*s.Tk*kC+kv*s.HS:]
	// Keys after the last unmasked one (a decoding cache's unused tail)
	// get probability 0 without being read: the softmax over the rest is
	// the same arithmetic.
	n := s.Tk
	if mask != nil {
		for n > 0 && mask[n-1] == 0 {
			n--
		}
		clear(ph[n:])
		ph, mask = ph[:n], mask[:n]
	}
	// Scores of masked keys (padding) are computed too, from whatever the
	// cache holds there, and then ignored and zeroed by the softmax.
	vec.DotRows(j.scale, q, keys, kC, ph)
	maskedSoftmax(ph, 1, n, mask)
	o := j.o[b*qC+h*s.HS:][:s.HS]
	clear(o)
	vec.AxpyRows(ph, vals, kC, o)
}

// backwardHead: with P the probabilities and dP = dO V^T,
// dS = P * (dP - rowsum(P*dP)), dQ = scale dS K, dK (+)= scale dS^T Q,
// dV (+)= P^T dO; first says the head is its group's first (overwrite).
func (j *attnJob) backwardHead(b, h int, first bool, dP []float32, serial *gemm.Serial) {
	s := j.s
	qC, kC := s.NH*s.HS, s.NKV*s.HS
	kv := h / (s.NH / s.NKV)
	need := s.Tq * s.Tk
	beta := float32(1)
	if first {
		beta = 0
	}
	ph := j.p[(b*s.NH+h)*need : (b*s.NH+h+1)*need]
	qh, dqh, dOh := j.q[b*s.Tq*qC+h*s.HS:], j.dq[b*s.Tq*qC+h*s.HS:], j.dOut[b*s.Tq*qC+h*s.HS:]
	kh, dkh := j.k[b*s.Tk*kC+kv*s.HS:], j.dk[b*s.Tk*kC+kv*s.HS:]
	vh, dvh := j.v[b*s.Tk*kC+kv*s.HS:], j.dv[b*s.Tk*kC+kv*s.HS:]
	c := j.c
	c.sgemm(serial, true, false, s.Tk, s.HS, s.Tq, 1, ph, s.Tk, dOh, qC, beta, dvh, kC) // dV (Tk, HS) (+)= P^T @ dO
	c.sgemm(serial, false, true, s.Tq, s.Tk, s.HS, 1, dOh, qC, vh, kC, 0, dP, s.Tk)     // dP (Tq, Tk) = dO @ V^T
	// dS = P * (dP - rowsum(P * dP)), row by row
	for i := 0; i < s.Tq; i++ {
		pr, dr := ph[i*s.Tk:i*s.Tk+s.Tk], dP[i*s.Tk:i*s.Tk+s.Tk]
		vec.SubMul(dr, pr, float32(vec.DotF64(pr, dr)))
	}
	c.sgemm(serial, false, false, s.Tq, s.HS, s.Tk, j.scale, dP, s.Tk, kh, kC, 0, dqh, qC)   // dQ = scale dS @ K
	c.sgemm(serial, true, false, s.Tk, s.HS, s.Tq, j.scale, dP, s.Tk, qh, qC, beta, dkh, kC) // dK (+)= scale dS^T @ Q
}

// splitHeads says whether n independent units keep every worker busy.
// In batch-invariant mode heads always split (each head's products on
// one goroutine), so a row's attention is computed the same way whatever
// the number of rows in the call.
func (c *CPU) splitHeads(n int) bool {
	return c.pool.workers > 1 && (c.invariant || n >= 2*c.pool.workers)
}

// AttentionForward implements Attention.
func (c *CPU) AttentionForward(out, probs, q, k, v *Tensor, keyMask []int32, heads, kvHeads int) {
	s := attnCheck("AttentionForward", out, probs, q, k, v, heads, kvHeads)
	if keyMask != nil && len(keyMask) != s.B*s.Tk {
		panic(fmt.Sprintf("tensor: AttentionForward: key mask of %d for (%d, %d)", len(keyMask), s.B, s.Tk))
	}
	if s.Tq == 0 || s.Tk == 0 {
		clear(Float32s(out)) // no keys: every query outputs zeros
		return
	}
	n := s.B * s.NH
	c.attn = attnJob{c: c, s: s, split: c.splitHeads(n), workers: c.attnWorkers(0),
		scale: float32(1 / math.Sqrt(float64(s.HS))), mask: keyMask,
		o: Float32s(out), p: Float32s(probs), q: Float32s(q), k: Float32s(k), v: Float32s(v)}
	c.runAttention(n)
}

// attnWorkers returns the pool of per-worker attention state, each with a
// dP buffer of at least need elements (grown here, so that steady state
// allocates nothing).
func (c *CPU) attnWorkers(need int) chan *attnWorker {
	if c.attnWs == nil {
		c.attnWs = make(chan *attnWorker, c.pool.workers)
		for i := 0; i < c.pool.workers; i++ {
			c.attnWs <- &attnWorker{}
		}
	}
	for i := 0; i < c.pool.workers; i++ {
		w := <-c.attnWs
		if cap(w.dP) < need {
			w.dP = make([]float32, need)
		}
		w.dP = w.dP[:need]
		c.attnWs <- w
	}
	return c.attnWs
}

// runAttention runs c.attn over n heads (forward) or groups (backward):
// split over the pool, or in turn on the calling goroutine.
func (c *CPU) runAttention(n int) {
	if c.attn.split {
		c.pool.parallel(n, 1<<20, &c.attn)
	} else {
		c.attn.run(0, n)
	}
	c.attn = attnJob{}
}

// maskedSoftmax turns each row i of the (Tq, Tk) scores into probabilities
// over the keys j <= i+Tk-Tq with mask[j] != 0; other entries become 0.
// Masked scores become -Inf first, whatever they held (a decoding cache's
// padding), so that one vectorised pass does the rest: the maximum
// (vec.Max), exp32 (0 at -Inf), the float64 sum (vec.SumF64), the scaling.
func maskedSoftmax(p []float32, Tq, Tk int, mask []int32) {
	negInf := float32(math.Inf(-1))
	for i := 0; i < Tq; i++ {
		row := p[i*Tk : i*Tk+Tk]
		last := i + Tk - Tq // last visible key
		vis := row[:max(last+1, 0)]
		clear(row[len(vis):])
		if mask != nil {
			for j := range vis {
				if mask[j] == 0 {
					vis[j] = negInf
				}
			}
		}
		mx := vec.Max(vis)
		if mx == negInf { // no visible key
			clear(vis)
			continue
		}
		expAffine(vis, vis, 1, -mx) // exp32(row[j] - mx)
		if sum := vec.SumF64(vis); sum > 0 {
			vec.Scale(float32(1/sum), vis)
		}
	}
}

// AttentionBackward implements Attention.
func (c *CPU) AttentionBackward(dq, dk, dv, dOut, q, k, v, probs *Tensor, heads, kvHeads int) {
	s := attnCheck("AttentionBackward", dOut, probs, q, k, v, heads, kvHeads)
	if !SameShape(dq, q) || !SameShape(dk, k) || !SameShape(dv, v) {
		panic(fmt.Sprintf("tensor: AttentionBackward: dq %v, dk %v, dv %v", dq, dk, dv))
	}
	if s.Tq == 0 || s.Tk == 0 {
		clear(Float32s(dq))
		clear(Float32s(dk))
		clear(Float32s(dv))
		return
	}
	n := s.B * s.NKV
	c.attn = attnJob{c: c, s: s, split: c.splitHeads(n), workers: c.attnWorkers(s.Tq * s.Tk),
		scale: float32(1 / math.Sqrt(float64(s.HS))),
		p:     Float32s(probs), q: Float32s(q), k: Float32s(k), v: Float32s(v),
		dq: Float32s(dq), dk: Float32s(dk), dv: Float32s(dv), dOut: Float32s(dOut)}
	c.runAttention(n)
}
