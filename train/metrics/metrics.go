// metrics.go: HR@k and NDCG@k of one ranked item, and their averages.

package metrics

import (
	"fmt"
	"math"
	"strings"
)

// HR is 1 if 1 <= rank <= k, else 0.
func HR(rank, k int) float64 {
	if rank >= 1 && rank <= k {
		return 1
	}
	return 0
}

// NDCG is 1/log2(rank+1) if 1 <= rank <= k, else 0.
func NDCG(rank, k int) float64 {
	if rank >= 1 && rank <= k {
		return 1 / math.Log2(float64(rank)+1)
	}
	return 0
}

// DefaultKs are the cut-offs the paper reports.
var DefaultKs = []int{5, 10}

// Mean accumulates HR@k and NDCG@k over users. Add ranks in a fixed order
// for bit-reproducible sums.
type Mean struct {
	Ks       []int
	N        int
	hr, ndcg []float64
}

// NewMean returns an empty accumulator for cut-offs ks.
func NewMean(ks []int) *Mean {
	return &Mean{Ks: append([]int(nil), ks...), hr: make([]float64, len(ks)), ndcg: make([]float64, len(ks))}
}

// Add records one user's rank of the held-out item (0 = not ranked).
func (m *Mean) Add(rank int) {
	m.N++
	for i, k := range m.Ks {
		m.hr[i] += HR(rank, k)
		m.ndcg[i] += NDCG(rank, k)
	}
}

// HR returns the mean HR@Ks[i].
func (m *Mean) HR(i int) float64 { return m.hr[i] / float64(max(m.N, 1)) }

// NDCG returns the mean NDCG@Ks[i].
func (m *Mean) NDCG(i int) float64 { return m.ndcg[i] / float64(max(m.N, 1)) }

// At returns (HR@k, NDCG@k) for a k in Ks; it panics for another k.
func (m *Mean) At(k int) (hr, ndcg float64) {
	for i, kk := range m.Ks {
		if kk == k {
			return m.HR(i), m.NDCG(i)
		}
	}
	panic(fmt.Sprintf("metrics: k=%d not accumulated (have %v)", k, m.Ks))
}

// Header returns the column names in the paper's layout: HR@5 NDCG@5 HR@10 NDCG@10.
func (m *Mean) Header() string {
	var b strings.Builder
	for _, k := range m.Ks {
		fmt.Fprintf(&b, "%-9s%-9s", fmt.Sprintf("HR@%d", k), fmt.Sprintf("NDCG@%d", k))
	}
	return strings.TrimRight(b.String(), " ")
}

// Row formats the means to 4 decimals, aligned with Header.
func (m *Mean) Row() string {
	var b strings.Builder
	for i := range m.Ks {
		fmt.Fprintf(&b, "%-9.4f%-9.4f", m.HR(i), m.NDCG(i))
	}
	return strings.TrimRight(b.String(), " ")
}
