// Training: epochs over the users in a fresh seeded order, every position
// of each training sequence a next-item target (full-softmax
// cross-entropy), AdamW, validation every few epochs with the best
// epoch's weights kept and early stopping.

package sasrec

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"embrec/tensor"
	"embrec/train/data"
)

// EpochStats report one epoch.
type EpochStats struct {
	Epoch    int      `json:"epoch"` // 1-based
	Step     int      `json:"step"`  // optimizer steps so far
	Loss     float64  `json:"loss"`  // mean cross-entropy over the epoch's targets
	Targets  int      `json:"targets"`
	Seconds  float64  `json:"seconds"`
	ValidHR  *float64 `json:"valid_hr10,omitempty"`
	ValidNDC *float64 `json:"valid_ndcg10,omitempty"`
	Best     bool     `json:"best,omitempty"` // this validation is the best so far
}

// State is what training needs to continue: the epoch and step counts
// and the best validation so far.
type State struct {
	Epoch     int     `json:"epoch"`
	Step      int     `json:"step"`
	BestEpoch int     `json:"best_epoch"`
	BestNDCG  float64 `json:"best_ndcg10"`
	Stale     int     `json:"stale"` // validations since the best
}

// Hooks receive progress; any may be nil.
type Hooks struct {
	Epoch func(EpochStats)               // after each epoch (and its validation)
	Best  func(st State) error           // the weights in W are a new best: save them
	Save  func(st State) error           // end of an epoch: save the state to resume from
	Batch func(epoch, done, total int)   // after each step
	Valid func(split data.Split) []int32 // validation users (nil: the first VUsers, or all)
}

// trainSeqs returns each user's training items that serve as a sequence
// (at least two items: one input, one target), the last MaxLen+1.
func (m *Model) trainSeqs() [][]int32 {
	var out [][]int32
	for u := range m.Data.Seqs {
		s := m.Data.TrainSeq(u)
		if len(s) < 2 {
			continue
		}
		if len(s) > m.Cfg.MaxLen+1 {
			s = s[len(s)-m.Cfg.MaxLen-1:]
		}
		out = append(out, s)
	}
	return out
}

// bucketWindow is how many batches' worth of shuffled sequences are
// sorted by length together: batches of similar lengths waste little
// compute on padding, and the order stays random at the window's scale.
const bucketWindow = 32

// batches returns epoch ep's batches: the sequences in a seeded random
// order, sorted by length within windows of bucketWindow batches, cut
// into batches that are then shuffled again.
func (m *Model) batches(seqs [][]int32, ep int) [][][]int32 {
	c := m.Cfg
	rng := rand.New(rand.NewPCG(c.Seed, uint64(ep)))
	perm := rng.Perm(len(seqs))
	w := bucketWindow * c.Batch
	for lo := 0; lo < len(perm); lo += w {
		win := perm[lo:min(lo+w, len(perm))]
		slices.SortStableFunc(win, func(a, b int) int { return len(seqs[a]) - len(seqs[b]) })
	}
	var out [][][]int32
	for lo := 0; lo < len(perm); lo += c.Batch {
		b := make([][]int32, 0, c.Batch)
		for _, i := range perm[lo:min(lo+c.Batch, len(perm))] {
			b = append(b, seqs[i])
		}
		out = append(out, b)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// lrAt is the learning rate of step s (0-based).
func (c Config) lrAt(s int) float64 {
	if c.Warmup > 0 && s < c.Warmup {
		return c.LR * float64(s+1) / float64(c.Warmup)
	}
	return c.LR
}

// Train runs epochs from st until Cfg.Epochs or early stopping, and
// returns the final state. Cancelling ctx stops after the current step
// with ctx's error (the state of the last finished epoch was saved).
func (m *Model) Train(ctx context.Context, st State, h Hooks) (State, error) {
	c := m.Cfg
	seqs := m.trainSeqs()
	if len(seqs) == 0 {
		return st, fmt.Errorf("sasrec: %s has no user with two training items", m.Data.Name)
	}
	ids := make([]int32, c.Batch*c.MaxLen)
	mask := make([]int32, len(ids))
	tgt := make([]int32, len(ids))
	for st.Epoch < c.Epochs {
		t0 := time.Now()
		batches := m.batches(seqs, st.Epoch)
		var lossSum float64
		var nt int
		for s, batch := range batches {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			T := 1
			for _, q := range batch {
				T = max(T, len(q)-1)
			}
			T = min((T+7)/8*8, c.MaxLen) // few distinct lengths: few cached arenas
			loss, n := m.step(batch, c.Batch, T, ids[:c.Batch*T], mask[:c.Batch*T], tgt[:c.Batch*T], st.Step)
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return st, fmt.Errorf("sasrec: epoch %d step %d: loss is %v (try a lower --lr)", st.Epoch+1, st.Step+1, loss)
			}
			lossSum += loss * float64(n)
			nt += n
			st.Step++
			if h.Batch != nil {
				h.Batch(st.Epoch+1, s+1, len(batches))
			}
		}
		st.Epoch++
		es := EpochStats{Epoch: st.Epoch, Step: st.Step, Loss: lossSum / float64(max(nt, 1)), Targets: nt}
		stop := false
		if st.Epoch%c.Every == 0 || st.Epoch == c.Epochs {
			var users []int32
			if h.Valid != nil {
				users = h.Valid(data.Valid)
			}
			r := m.Evaluate(data.Valid, users, false)
			hr, nd := r.Mean.At(10)
			es.ValidHR, es.ValidNDC = &hr, &nd
			if nd > st.BestNDCG || st.BestEpoch == 0 {
				st.BestEpoch, st.BestNDCG, st.Stale, es.Best = st.Epoch, nd, 0, true
				if h.Best != nil {
					if err := h.Best(st); err != nil {
						return st, err
					}
				}
			} else {
				st.Stale++
				stop = c.Patient > 0 && st.Stale >= c.Patient
			}
		}
		es.Seconds = time.Since(t0).Seconds()
		if h.Save != nil {
			if err := h.Save(st); err != nil {
				return st, err
			}
		}
		if h.Epoch != nil {
			h.Epoch(es)
		}
		if stop {
			break
		}
	}
	return st, nil
}

// step runs one optimizer step on a batch of sequences and returns the
// mean loss and the number of targets.
func (m *Model) step(seqs [][]int32, B, T int, ids, mask, tgt []int32, step int) (float64, int) {
	c, b := m.Cfg, m.b
	layout(seqs, B, T, ids, mask, tgt)
	r := m.run(B, T)
	b.Fill(m.G, 0)
	r.EmbedIDs(ids)
	var dm *tensor.Tensor
	if c.Dropout > 0 {
		dm = m.mask(B, T)
		in := r.Input().Reshape(B*T, c.Hidden)
		b.DropoutForward(in, dm, in, c.Dropout, c.Seed*0x9e3779b97f4a7c15+uint64(step))
	}
	r.SetDropout(c.ResidualDropout, c.Seed*0x9e3779b97f4a7c15+uint64(step))
	r.Forward(mask)
	loss, n := r.Loss(tgt)
	if n == 0 {
		return 0, 0
	}
	r.BackwardLoss(1)
	if dm != nil {
		d := r.DInput().Reshape(B*T, c.Hidden)
		b.DropoutBackward(d, d, dm)
	}
	r.EmbedBackward(ids)
	tensor.ClipGlobalNorm(b, []*tensor.Tensor{m.G}, c.Clip)
	b.AdamW(m.W, m.G, m.M, m.V, tensor.AdamWParams{LR: float32(c.lrAt(step)), Beta1: 0.9, Beta2: 0.98,
		Eps: 1e-9, WeightDecay: float32(c.WD), Step: step + 1})
	return loss, n
}
