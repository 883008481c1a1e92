// scorer.go: the baselines as full-catalogue scorers.

package cf

import (
	"fmt"
	"math"

	"embrec/train/data"
	"embrec/wals"
)

// Scorer scores every item for a user. Worker returns a function for one
// goroutine (it may keep scratch space); the function sets dst[c] for every
// matrix column c (see Columns) given user u and the columns of the items
// before the held-out one (oldest first).
type Scorer interface {
	Name() string
	Worker() func(dst []float32, u int, history []int32)
}

// Popularity ranks items by their number of training interactions.
type Popularity struct{ counts []float32 }

// NewPopularity counts training interactions per item (column).
func NewPopularity(d *data.Dataset, cols Columns) *Popularity {
	p := &Popularity{counts: make([]float32, d.NumItems())}
	for u := range d.Seqs {
		for _, it := range d.TrainSeq(u) {
			p.counts[cols.Of[it]]++
		}
	}
	return p
}

func (p *Popularity) Name() string { return "pop" }

func (p *Popularity) Worker() func([]float32, int, []int32) {
	return func(dst []float32, _ int, _ []int32) { copy(dst, p.counts) }
}

// MF ranks items by dot product with a query built from WALS factors. With
// Beta = 0 the query is the user vector x_u (the straightforward baseline).
// Otherwise it mixes the directions of the user vector and of the mean m of
// the last History item vectors:
//
//	q = x_u/|x_u| + Beta · m/|m|
//
// Unit-normalising both parts makes Beta a scale-free weight (user and item
// factors have very different norms, depending on alpha and reg); the
// overall scale of q does not change a ranking. Beta = 1 weighs them equally.
type MF struct {
	M       *wals.Model
	Beta    float32
	History int // how many of the most recent items enter the mean; <= 0: all
}

func (m *MF) Name() string {
	if m.Beta == 0 {
		return "mf"
	}
	return fmt.Sprintf("mf-seq(beta=%g,L=%d)", m.Beta, m.History)
}

func (m *MF) Worker() func([]float32, int, []int32) {
	k := m.M.K
	q := make([]float32, k)
	mean := make([]float32, k)
	return func(dst []float32, u int, hist []int32) {
		copy(q, m.M.UserVec(u))
		if m.Beta != 0 && len(hist) > 0 {
			if m.History > 0 && len(hist) > m.History {
				hist = hist[len(hist)-m.History:]
			}
			clear(mean)
			for _, it := range hist {
				for a, v := range m.M.ItemVec(int(it)) {
					mean[a] += v
				}
			}
			scale(q, 1/norm(q))
			b := m.Beta / norm(mean)
			for a := range q {
				q[a] += b * mean[a]
			}
		}
		m.M.Scores(dst, q)
	}
}

// norm is the Euclidean norm, or +Inf for a zero vector (so that scaling by
// 1/norm gives zero instead of NaN).
func norm(v []float32) float32 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return float32(math.Inf(1))
	}
	return float32(math.Sqrt(s))
}

func scale(v []float32, c float32) {
	for i := range v {
		v[i] *= c
	}
}
