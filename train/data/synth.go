// synth.go: a small synthetic dataset generator for tests, benchmarks and
// demos, so the project never needs third-party data to exercise itself.

package data

import (
	"embrec/internal/atomicfile"

	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// SynthConfig describes a synthetic dataset.
type SynthConfig struct {
	Users, Items   int     // number of users and of distinct items
	MinLen, MaxLen int     // sequence length range (MinLen >= MinSeqLen)
	Clusters       int     // taste clusters: a user mostly picks items of its cluster
	Follow         float64 // probability that the next item is the successor of the previous one (sequential signal)
	Seed           uint64
}

// DefaultSynth is a small dataset with both collaborative (clusters) and
// sequential (successor) structure.
var DefaultSynth = SynthConfig{Users: 300, Items: 200, MinLen: 5, MaxLen: 30, Clusters: 8, Follow: 0.3, Seed: 1}

// Synth generates a dataset. Users are named "u<n>", items "i<n>". Each user
// belongs to a cluster; each step picks, with probability Follow, the item
// after the previous one in the cluster's item list, otherwise an item of the
// cluster (80%) or of the whole catalogue (20%) with Zipf-like popularity.
// Items never repeat inside a sequence. Generation is deterministic in Seed.
func Synth(c SynthConfig) (*Dataset, error) {
	if c.MinLen < MinSeqLen || c.MaxLen < c.MinLen || c.Items < c.MaxLen || c.Users < 1 || c.Clusters < 1 {
		return nil, fmt.Errorf("synth: bad config %+v", c)
	}
	r := rand.New(rand.NewPCG(c.Seed, 12345))
	// Zipf-like weights shared by all lists.
	cum := func(n int) []float64 {
		w := make([]float64, n)
		s := 0.0
		for i := range w {
			s += 1 / math.Pow(float64(i+1), 0.8)
			w[i] = s
		}
		return w
	}
	pick := func(w []float64) int {
		x := r.Float64() * w[len(w)-1]
		lo, hi := 0, len(w)-1
		for lo < hi {
			m := (lo + hi) / 2
			if w[m] < x {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo
	}
	all := cum(c.Items)
	// Each cluster owns a random permutation slice of the catalogue.
	per := max(c.Items/c.Clusters, c.MaxLen)
	clusters := make([][]int, c.Clusters)
	for k := range clusters {
		clusters[k] = r.Perm(c.Items)[:per]
	}
	ccum := cum(per)
	users := make([]string, c.Users)
	seqs := make([][]string, c.Users)
	for u := range users {
		users[u] = "u" + strconv.Itoa(u)
		k := r.IntN(c.Clusters)
		cl := clusters[k]
		n := c.MinLen + r.IntN(c.MaxLen-c.MinLen+1)
		used := map[int]bool{}
		pos := -1 // position in cl of the previous item, -1 if not from cl
		for len(seqs[u]) < n {
			var it, p int
			switch {
			case pos >= 0 && r.Float64() < c.Follow:
				p = (pos + 1) % len(cl)
				it = cl[p]
			case r.Float64() < 0.8:
				p = pick(ccum)
				it = cl[p]
			default:
				p, it = -1, pick(all)
			}
			if used[it] {
				pos = -1
				continue
			}
			used[it] = true
			pos = p
			seqs[u] = append(seqs[u], "i"+strconv.Itoa(it))
		}
	}
	return New("Synth", users, seqs)
}

// WriteUserSequence writes d in the user_sequence.txt format (atomically).
func (d *Dataset) WriteUserSequence(path string) error {
	return atomicfile.Write(path, func(w *bufio.Writer) error {
		for u, s := range d.Seqs {
			w.WriteString(d.Users[u])
			for _, it := range s {
				w.WriteByte(' ')
				w.WriteString(d.Items[it])
			}
			w.WriteByte('\n')
		}
		return nil
	})
}
