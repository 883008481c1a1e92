// bootstrap.go: percentile bootstrap confidence intervals over users.

package metrics

import (
	"math/rand/v2"
	"slices"
)

// BootstrapHR returns the 95% percentile-bootstrap interval of the mean
// HR@k over users, from each user's rank (0: not ranked), with reps
// resamples drawn from seed.
func BootstrapHR(ranks []int, k, reps int, seed uint64) (lo, hi float64) {
	n := len(ranks)
	if n == 0 || reps < 1 {
		return 0, 0
	}
	hits := make([]float64, n)
	for i, r := range ranks {
		hits[i] = HR(r, k)
	}
	rng := rand.New(rand.NewPCG(seed, 0xb007))
	means := make([]float64, reps)
	for b := range means {
		s := 0.0
		for range n {
			s += hits[rng.IntN(n)]
		}
		means[b] = s / float64(n)
	}
	slices.Sort(means)
	at := func(q float64) float64 { return means[min(int(q*float64(reps)), reps-1)] }
	return at(0.025), at(0.975)
}
