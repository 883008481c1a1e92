// scorer.go: the baselines as full-catalogue scorers.

package cf

import (
	"fmt"

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

// MF ranks items by dot product with a query built from WALS factors:
// x_u + Beta·mean(y_h over the last History items). Beta = 0 is the
// straightforward (user-only) baseline.
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
	return func(dst []float32, u int, hist []int32) {
		copy(q, m.M.UserVec(u))
		if m.Beta != 0 && len(hist) > 0 {
			if m.History > 0 && len(hist) > m.History {
				hist = hist[len(hist)-m.History:]
			}
			w := m.Beta / float32(len(hist))
			for _, it := range hist {
				for a, v := range m.M.ItemVec(int(it)) {
					q[a] += w * v
				}
			}
		}
		m.M.Scores(dst, q)
	}
}
