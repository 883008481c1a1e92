// eval.go: full-catalogue evaluation of a Scorer on a split.

package cf

import (
	"runtime"
	"sync"
	"sync/atomic"

	"embrec/train/data"
	"embrec/train/metrics"
)

// EvalOptions control Evaluate.
type EvalOptions struct {
	Exclude bool  // remove the user's training items from the ranking
	Ks      []int // cut-offs; nil means metrics.DefaultKs (5, 10)
	Threads int   // <= 0 means GOMAXPROCS; results do not depend on it
	Users   int   // evaluate only the first Users users; <= 0 means all
}

// Result is the outcome of Evaluate.
type Result struct {
	Split   data.Split
	Exclude bool
	*metrics.Mean
	// TargetInTrain counts users whose held-out item is also one of their
	// training items (a miss when Exclude is set).
	TargetInTrain int
	Ranks         []int // each user's rank, in user order (0: excluded)
}

// Evaluate ranks all items for every user of split sp (Valid or Test) and
// averages HR@k and NDCG@k. Per-user ranks are computed in parallel and
// accumulated in user order.
func Evaluate(d *data.Dataset, cols Columns, sp data.Split, s Scorer, opt EvalOptions) Result {
	ks := opt.Ks
	if ks == nil {
		ks = metrics.DefaultKs
	}
	n := d.NumUsers()
	if opt.Users > 0 && opt.Users < n {
		n = opt.Users
	}
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	ranks := make([]int, n)
	inTrain := make([]bool, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			score := s.Worker()
			dst := make([]float32, d.NumItems())
			var hist, train []int32
			for {
				u := int(next.Add(1) - 1)
				if u >= n {
					return
				}
				it, before := d.Target(u, sp)
				target := cols.Of[it]
				hist = toColumns(hist[:0], before, cols)
				train = hist[:len(d.TrainSeq(u))] // training items are a prefix of the history
				ex := metrics.Set(train)
				inTrain[u] = ex != nil && ex(target)
				if !opt.Exclude {
					ex = nil
				}
				score(dst, u, hist)
				ranks[u] = metrics.Rank(dst, target, ex)
			}
		}()
	}
	wg.Wait()
	res := Result{Split: sp, Exclude: opt.Exclude, Mean: metrics.NewMean(ks), Ranks: ranks}
	for u, r := range ranks {
		res.Add(r)
		if inTrain[u] {
			res.TargetInTrain++
		}
	}
	return res
}

func toColumns(dst, items []int32, cols Columns) []int32 {
	for _, it := range items {
		dst = append(dst, cols.Of[it])
	}
	return dst
}
