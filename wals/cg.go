// cg.go: the conjugate-gradient row solver (Takács, Pilászy and Tikk 2011):
// a few CG steps on (G + Yᵀ(C_u−I)Y) x = Yᵀ C_u p_u, warm-started from the
// row's current factors, never forming the K×K system.

package wals

// cgScratch is one goroutine's work space for cgRow.
type cgScratch struct {
	r, p, ap []float32 // (K)
	zero     []float32 // (n) zeros, grown as needed
	w, w1    []float32 // (n) c_i − 1 and c_i for the row's entries
}

func newCGScratch(k int) *cgScratch {
	buf := make([]float32, 3*k)
	return &cgScratch{r: buf[:k], p: buf[k : 2*k], ap: buf[2*k:]}
}

// weights fills s.w = alpha*vals (c−1), s.w1 = 1 + alpha*vals (c) and
// negW = −(c−1), and makes sure s.zero is long enough.
func (s *cgScratch) weights(vals []float32, alpha float32) (w, c, negW, zero []float32) {
	n := len(vals)
	if cap(s.w) < 2*n {
		s.w = make([]float32, 2*n)
		s.w1 = make([]float32, n)
		s.zero = make([]float32, n)
	}
	w, negW, c = s.w[:n], s.w[n:2*n], s.w1[:n]
	for j, v := range vals {
		w[j] = alpha * v
		c[j] = 1 + w[j]
		negW[j] = -w[j]
	}
	return w, c, negW, s.zero[:n]
}

// cgRow improves x (K) in place with `steps` CG steps. g is G = YᵀY + λI
// (K×K), y the other side's factors (rows × K), cols/vals the row's observed
// entries and counts, alpha the confidence scale.
func cgRow(x, g, y []float32, cols []int32, vals []float32, alpha float32, steps int, s *cgScratch) {
	r, p, ap := s.r, s.p, s.ap
	// r = b − A x = −G x + Σ_i (c_i − (c_i−1) y_i·x) y_i
	w, conf, negW, zero := s.weights(vals, alpha)
	symv(r, g, x)
	for a := range r {
		r[a] = -r[a]
	}
	accum(r, x, y, cols, conf, negW) // r += (c_i − (c_i−1) y_i·x) y_i
	copy(p, r)
	rs := dot(r, r)
	for it := 0; it < steps; it++ {
		if rs < 1e-20 {
			return
		}
		// ap = A p = G p + Σ_i (c_i−1)(y_i·p) y_i
		symv(ap, g, p)
		accum(ap, p, y, cols, zero, w) // ap += (c_i−1)(y_i·p) y_i
		step := rs / dot(p, ap)
		axpy(step, p, x)
		axpy(-step, ap, r)
		rsNew := dot(r, r)
		beta := rsNew / rs
		for a := range p {
			p[a] = r[a] + beta*p[a]
		}
		rs = rsNew
	}
}
