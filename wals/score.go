// score.go: scoring the whole catalogue for a query vector (dot products
// with every item's factors), for ranking-based evaluation.

package wals

import "sync"

// scoring holds the transposed item factors (K × Items) used by Scores.
type scoring struct {
	once sync.Once
	yt   []float32
}

// Scores sets dst[i] = q·y_i for every item i (len(dst) = Items, len(q) =
// K). It is safe for concurrent use. The first call caches the transpose of
// Y: after changing Y, call FactorsChanged (Fit does so after every
// iteration, before its Progress callback).
func (m *Model) Scores(dst, q []float32) {
	if m.sc == nil {
		panic("wals: Scores on a Model not made by Init, Fit or Load")
	}
	m.sc.once.Do(func() {
		m.sc.yt = make([]float32, m.K*m.Items)
		for i := 0; i < m.Items; i++ {
			for a, v := range m.Y[i*m.K : (i+1)*m.K] {
				m.sc.yt[a*m.Items+i] = v
			}
		}
	})
	gemvT(dst[:m.Items], m.sc.yt, q[:m.K], m.Items)
}

// FactorsChanged drops the cached transpose of Y that Scores uses. It must
// not run concurrently with Scores.
func (m *Model) FactorsChanged() { m.sc = &scoring{} }
