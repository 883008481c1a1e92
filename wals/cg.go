// cg.go: the conjugate-gradient row solver (Takács, Pilászy and Tikk 2011):
// a few CG steps on (G + Yᵀ(C_u−I)Y) x = Yᵀ C_u p_u, warm-started from the
// row's current factors, never forming the K×K system.

package wals

// cgScratch is one goroutine's work space for cgRow.
type cgScratch struct {
	r, p, ap []float32 // (K)
}

func newCGScratch(k int) *cgScratch {
	buf := make([]float32, 3*k)
	return &cgScratch{r: buf[:k], p: buf[k : 2*k], ap: buf[2*k:]}
}

// cgRow improves x (K) in place with `steps` CG steps. g is G = YᵀY + λI
// (K×K), y the other side's factors (rows × K), cols/vals the row's observed
// entries and counts, alpha the confidence scale.
func cgRow(x, g, y []float32, cols []int32, vals []float32, alpha float32, steps int, s *cgScratch) {
	k := len(x)
	r, p, ap := s.r, s.p, s.ap
	// r = b − A x = −G x + Σ_i (c_i − (c_i−1) y_i·x) y_i
	symv(r, g, x)
	for a := range r {
		r[a] = -r[a]
	}
	for j, c := range cols {
		yi := y[int(c)*k : int(c)*k+k]
		w := alpha * vals[j] // c_i − 1
		axpy(1+w-w*dot(yi, x), yi, r)
	}
	copy(p, r)
	rs := dot(r, r)
	for it := 0; it < steps; it++ {
		if rs < 1e-20 {
			return
		}
		// ap = A p = G p + Σ_i (c_i−1)(y_i·p) y_i
		symv(ap, g, p)
		for j, c := range cols {
			yi := y[int(c)*k : int(c)*k+k]
			axpy(alpha*vals[j]*dot(yi, p), yi, ap)
		}
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
