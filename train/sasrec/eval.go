// Evaluation: the whole catalogue ranked at the last position of each
// user's history before the held-out item (OpenP5's leave-one-out
// protocol), optionally without the user's training items.

package sasrec

import (
	"embrec/train/data"
	"embrec/train/metrics"
)

// evalBatch is the number of users per evaluation forward pass.
const evalBatch = 64

// Result is one evaluation: the averages and each user's rank (0: the
// target was excluded), in the order of the users evaluated.
type Result struct {
	Split   data.Split
	Exclude bool
	Mean    *metrics.Mean
	Ranks   []int
}

// Evaluate ranks every item for users (nil: all) on split sp (Valid or
// Test). With exclude, the user's training items are removed from the
// ranking.
func (m *Model) Evaluate(sp data.Split, users []int32, exclude bool) Result {
	return m.evaluate(sp, users, exclude)[0]
}

// EvaluateBoth is Evaluate without and with exclusion from one forward
// pass per batch of users.
func (m *Model) EvaluateBoth(sp data.Split, users []int32) (plain, excluded Result) {
	r := m.evaluate(sp, users, false, true)
	return r[0], r[1]
}

// evaluate ranks the scores of every user once per exclude mode.
func (m *Model) evaluate(sp data.Split, users []int32, modes ...bool) []Result {
	d, c := m.Data, m.Cfg
	if users == nil {
		users = make([]int32, d.NumUsers())
		for u := range users {
			users[u] = int32(u)
		}
	}
	res := make([]Result, len(modes))
	for i, ex := range modes {
		res[i] = Result{Split: sp, Exclude: ex, Mean: metrics.NewMean(metrics.DefaultKs), Ranks: make([]int, 0, len(users))}
	}
	T := c.MaxLen
	ids := make([]int32, evalBatch*T)
	mask := make([]int32, len(ids))
	rows := make([]int32, evalBatch)
	for b := range rows {
		rows[b] = int32(b*T + T - 1)
	}
	V := d.NumItems() + 1
	host := make([]float32, evalBatch*V)
	seqs := make([][]int32, 0, evalBatch)
	targets := make([]int32, 0, evalBatch)
	for lo := 0; lo < len(users); lo += evalBatch {
		hi := min(lo+evalBatch, len(users))
		seqs, targets = seqs[:0], targets[:0]
		for _, u := range users[lo:hi] {
			t, before := d.Target(int(u), sp)
			if len(before) > T {
				before = before[len(before)-T:]
			}
			seqs, targets = append(seqs, before), append(targets, t)
		}
		layout(seqs, evalBatch, T, ids, mask, nil)
		r := m.run(evalBatch, T)
		r.EmbedIDs(ids)
		r.SetDropout(0, 0)
		r.Forward(mask)
		lg := r.Logits(rows[:len(seqs)])
		m.b.Download(host[:len(seqs)*V], lg)
		for i, u := range users[lo:hi] {
			scores := host[i*V+1 : (i+1)*V] // token 0 is padding
			for j := range res {
				var ex metrics.Excluded
				if res[j].Exclude {
					ex = metrics.Set(d.TrainSeq(int(u)))
				}
				rk := metrics.Rank(scores, targets[i], ex)
				res[j].Ranks = append(res[j].Ranks, rk)
				res[j].Mean.Add(rk)
			}
		}
	}
	return res
}
