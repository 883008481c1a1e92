// Tests of the SASRec baseline on data built here: the batch layout, that
// it learns a deterministic successor pattern, and that save, load and
// resume reproduce training exactly.

package sasrec

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"embrec/tensor"
	"embrec/train/data"
)

// cyclic is a dataset whose every user walks the catalogue in order from
// its own start: the next item is always the last one plus one (mod n).
func cyclic(t testing.TB, users, items, length int) *data.Dataset {
	var b strings.Builder
	for u := 0; u < users; u++ {
		fmt.Fprintf(&b, "u%d", u)
		for j := 0; j < length+u%5; j++ {
			fmt.Fprintf(&b, " i%d", (u*7+j)%items)
		}
		b.WriteByte('\n')
	}
	d, _, err := data.Parse([]byte(b.String()), "cyclic", data.LoadOptions{Name: "cyclic"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func smallConfig() Config {
	c := DefaultConfig()
	c.Hidden, c.Heads, c.MaxLen, c.Batch, c.Warmup, c.Dropout = 32, 2, 12, 16, 10, 0.1
	c.LR, c.Epochs, c.Every, c.Patient = 5e-3, 30, 5, 0
	return c
}

func TestLayoutLeftPadsAndShiftsTargets(t *testing.T) {
	B, T := 3, 4
	ids, mask, tgt := make([]int32, B*T), make([]int32, B*T), make([]int32, B*T)
	layout([][]int32{{5, 6, 7}, {1, 2, 3, 4, 0}}, B, T, ids, mask, tgt)
	wantIDs := []int32{0, 0, 6, 7, 2, 3, 4, 5, 0, 0, 0, 0}
	wantMask := []int32{0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1}
	wantTgt := []int32{-100, -100, 7, 8, 3, 4, 5, 1, -100, -100, -100, -100}
	if !slices.Equal(ids, wantIDs) || !slices.Equal(mask, wantMask) || !slices.Equal(tgt, wantTgt) {
		t.Fatalf("layout:\nids  %v want %v\nmask %v want %v\ntgt  %v want %v", ids, wantIDs, mask, wantMask, tgt, wantTgt)
	}
	layout([][]int32{{5, 6}}, 1, T, ids[:T], mask[:T], nil) // evaluation: the whole history is input
	if want := []int32{0, 0, 6, 7}; !slices.Equal(ids[:T], want) {
		t.Fatalf("evaluation layout %v, want %v", ids[:T], want)
	}
}

func TestLearnsSuccessor(t *testing.T) {
	d := cyclic(t, 60, 40, 10)
	m, err := New(d, smallConfig(), tensor.NewCPU(2))
	if err != nil {
		t.Fatal(err)
	}
	before := m.Evaluate(data.Test, nil, false)
	st, err := m.Train(context.Background(), State{}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	after := m.Evaluate(data.Test, nil, false)
	hr0, _ := before.Mean.At(5)
	hr, nd := after.Mean.At(5)
	t.Logf("epochs %d, best %d: test HR@5 %.3f (untrained %.3f), NDCG@5 %.3f", st.Epoch, st.BestEpoch, hr, hr0, nd)
	if hr < 0.9 || nd < 0.7 {
		t.Fatalf("test HR@5 %.3f NDCG@5 %.3f after training on a deterministic successor, want >= 0.9 and >= 0.7", hr, nd)
	}
	// Excluding training items removes targets the user already walked
	// through: with 40 items and at most 14 per user, none.
	ex := m.Evaluate(data.Test, nil, true)
	if ex.Mean.N != after.Mean.N {
		t.Fatalf("excluded evaluation over %d users, want %d", ex.Mean.N, after.Mean.N)
	}
	// EvaluateBoth gives both rankings from one pass.
	p, x := m.EvaluateBoth(data.Test, nil)
	if !slices.Equal(p.Ranks, after.Ranks) || !slices.Equal(x.Ranks, ex.Ranks) || p.Exclude || !x.Exclude {
		t.Fatal("EvaluateBoth's ranks differ from Evaluate's")
	}
}

func TestResumeIsExact(t *testing.T) {
	d := cyclic(t, 40, 30, 8)
	c := smallConfig()
	c.Epochs, c.Every = 4, 2
	b := tensor.NewCPU(1)
	full, _ := New(d, c, b)
	if _, err := full.Train(context.Background(), State{}, Hooks{}); err != nil {
		t.Fatal(err)
	}
	// The same run stopped after two epochs, saved, loaded into a fresh
	// model and continued.
	half := c
	half.Epochs = 2
	a, _ := New(d, half, b)
	st, err := a.Train(context.Background(), State{}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.safetensors")
	if err := a.Save(path, st, true); err != nil {
		t.Fatal(err)
	}
	r, _ := New(d, c, b)
	st2, err := r.Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if st2 != st {
		t.Fatalf("loaded state %+v, saved %+v", st2, st)
	}
	if _, err := r.Train(context.Background(), st2, Hooks{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(full.host(full.W), r.host(r.W)) {
		t.Fatal("weights after 2 + 2 resumed epochs differ from 4 epochs in one run")
	}
	got, want := r.Evaluate(data.Valid, nil, false).Ranks, full.Evaluate(data.Valid, nil, false).Ranks
	if !slices.Equal(got, want) {
		t.Fatalf("ranks differ after resume: %v vs %v", got, want)
	}
}

func TestConfigCheckNamesFlag(t *testing.T) {
	c := DefaultConfig()
	c.Dropout = 1
	if err := c.Check(); err == nil || !strings.Contains(err.Error(), "--dropout") {
		t.Fatalf("dropout 1: error %v, want one naming --dropout", err)
	}
	c = DefaultConfig()
	c.Hidden, c.Heads = 64, 3
	if err := c.Check(); err == nil || !strings.Contains(err.Error(), "--heads") {
		t.Fatalf("64 / 3 heads: error %v, want one naming --heads", err)
	}
}

func BenchmarkStepLastFMShape(b *testing.B) {
	// LastFM-like: 3646 items, 128 users x 50 positions, C 64, 2 blocks.
	d := cyclic(b, 200, 3646, 52)
	c := DefaultConfig()
	m, _ := New(d, c, tensor.NewCPU(0))
	seqs := m.trainSeqs()[:c.Batch]
	ids, mask, tgt := make([]int32, c.Batch*c.MaxLen), make([]int32, c.Batch*c.MaxLen), make([]int32, c.Batch*c.MaxLen)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.step(seqs, c.Batch, c.MaxLen, ids, mask, tgt, i)
	}
	b.ReportMetric(float64(b.N*c.Batch*c.MaxLen)/b.Elapsed().Seconds(), "tok/s")
}

func TestBatchesCoverEverySequenceOnce(t *testing.T) {
	d := cyclic(t, 300, 50, 4) // lengths 4..8
	c := smallConfig()
	c.Batch = 7
	m, _ := New(d, c, tensor.NewCPU(1))
	seqs := m.trainSeqs()
	for ep := 0; ep < 2; ep++ {
		seen := map[*int32]int{}
		n, spread := 0, 0
		for _, b := range m.batches(seqs, ep) {
			if len(b) > c.Batch {
				t.Fatalf("batch of %d, want at most %d", len(b), c.Batch)
			}
			lo, hi := len(b[0]), len(b[0])
			for _, s := range b {
				seen[&s[0]]++
				lo, hi = min(lo, len(s)), max(hi, len(s))
			}
			n += len(b)
			spread += hi - lo
		}
		if n != len(seqs) || len(seen) != len(seqs) {
			t.Fatalf("epoch %d: %d sequences in batches (%d distinct), want %d once each", ep, n, len(seen), len(seqs))
		}
		if spread > len(seqs)/c.Batch { // unsorted batches would span most of the 4-item range
			t.Errorf("epoch %d: total length spread within batches %d: not bucketed by length", ep, spread)
		}
	}
}
