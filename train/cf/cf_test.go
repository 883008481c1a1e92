// Tests of the CF baselines: no leakage of held-out items into WALS factors, hand-computed popularity metrics, MF sanity.

package cf

import (
	"math"
	"strings"
	"testing"

	"embrec/train/data"
	"embrec/wals"
)

func fit(t *testing.T, d *data.Dataset, solver wals.Solver) (*wals.Model, Columns) {
	t.Helper()
	cols := TrainColumns(d)
	cfg := wals.Config{Factors: 8, Iters: 4, Reg: 0.05, Alpha: 2, Solver: solver, CGSteps: 3, Seed: 9, InitScale: 0.01, Threads: 2}
	m, err := wals.Fit(TrainMatrix(d, cols), cfg, wals.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m, cols
}

// TestNoLeak fits WALS on a dataset and on a copy whose validation and test
// items are all different (new items and other existing items): the user
// factors and the factors of every training item must be bit-identical, and
// items seen only in held-out positions must have zero factors.
func TestNoLeak(t *testing.T) {
	a, err := data.Synth(data.DefaultSynth)
	if err != nil {
		t.Fatal(err)
	}
	users := make([]string, a.NumUsers())
	seqs := make([][]string, a.NumUsers())
	for u := range users {
		users[u] = a.Users[u]
		for _, it := range a.TrainSeq(u) {
			seqs[u] = append(seqs[u], a.Items[it])
		}
		other := a.Items[(int(a.TestItem(u))+7)%a.NumItems()]
		seqs[u] = append(seqs[u], "heldout-new-"+users[u], other)
	}
	b, err := data.New("Synth", users, seqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, solver := range []wals.Solver{wals.SolverCG, wals.SolverCholesky} {
		ma, ca := fit(t, a, solver)
		mb, cb := fit(t, b, solver)
		for i := range ma.X {
			if ma.X[i] != mb.X[i] {
				t.Fatalf("%s: user factors differ at %d", solver, i)
			}
		}
		trainItems := 0
		rawA, rawB := ca.RawIDs(a), cb.RawIDs(b)
		for col := 0; col < mb.Items; col++ {
			it, _ := b.ItemIndex(rawB[col])
			inTrain := false
			for u := range b.Seqs {
				for _, x := range b.TrainSeq(u) {
					inTrain = inTrain || x == it
				}
			}
			vb := mb.ItemVec(col)
			if !inTrain {
				for _, v := range vb {
					if v != 0 {
						t.Fatalf("%s: held-out-only item %s has factors %v", solver, rawB[col], vb)
					}
				}
				continue
			}
			trainItems++
			if rawA[col] != rawB[col] {
				t.Fatalf("training item column moved: %s vs %s", rawA[col], rawB[col])
			}
			va := ma.ItemVec(col)
			for z := range va {
				if va[z] != vb[z] {
					t.Fatalf("%s: factors of training item %s differ", solver, rawB[col])
				}
			}
		}
		if trainItems == 0 || trainItems == mb.Items {
			t.Fatalf("test is vacuous: %d training items of %d", trainItems, mb.Items)
		}
	}
}

// A 4-item, 3-user case computed by hand.
//
//	u0: a b | c d      (train a b, valid c, test d)
//	u1: b a c | b a    (train b a c, valid b, test a)
//	u2: a c | d b
//
// Training counts: a 3, b 2, c 2, d 0. Columns (sequential indexing):
// a 0, b 1, c 2, d 3. Popularity order: a, then b (tie with c, lower column),
// then c, then d.
func TestPopularityHandComputed(t *testing.T) {
	d, _, err := data.Parse([]byte("u0 a b c d\nu1 b a c b a\nu2 a c d b\n"), "t", data.LoadOptions{Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	cols := TrainColumns(d)
	if strings.Join(cols.RawIDs(d), "") != "abcd" {
		t.Fatalf("columns %v", cols.RawIDs(d))
	}
	pop := NewPopularity(d, cols)
	// Valid targets: u0 c (rank 3), u1 b (rank 2), u2 d (rank 4).
	r := Evaluate(d, cols, data.Valid, pop, EvalOptions{Ks: []int{1, 2, 3}})
	want := map[int][2]float64{
		1: {0, 0},
		2: {1.0 / 3, (1 / math.Log2(3)) / 3},
		3: {2.0 / 3, (1/math.Log2(3) + 0.5) / 3},
	}
	for k, w := range want {
		hr, nd := r.At(k)
		if math.Abs(hr-w[0]) > 1e-12 || math.Abs(nd-w[1]) > 1e-12 {
			t.Errorf("valid, no exclusion, k=%d: HR %g NDCG %g, want %g %g", k, hr, nd, w[0], w[1])
		}
	}
	if r.TargetInTrain != 1 { // u1's b
		t.Errorf("TargetInTrain %d, want 1", r.TargetInTrain)
	}
	// Excluding training items: u0 (excl a b): c rank 1. u1 (excl a b c):
	// target b excluded -> miss. u2 (excl a c): d after b -> rank 2.
	r = Evaluate(d, cols, data.Valid, pop, EvalOptions{Exclude: true, Ks: []int{1, 2}})
	if hr, nd := r.At(1); math.Abs(hr-1.0/3) > 1e-12 || math.Abs(nd-1.0/3) > 1e-12 {
		t.Errorf("excluded k=1: %g %g", hr, nd)
	}
	if hr, nd := r.At(2); math.Abs(hr-2.0/3) > 1e-12 || math.Abs(nd-(1+1/math.Log2(3))/3) > 1e-12 {
		t.Errorf("excluded k=2: %g %g", hr, nd)
	}
}

// MF on structured synthetic data beats popularity, and mf-seq with beta 0
// is exactly mf.
func TestMFBaselines(t *testing.T) {
	d, _ := data.Synth(data.DefaultSynth)
	m, cols := fit(t, d, wals.SolverCG)
	pop := Evaluate(d, cols, data.Valid, NewPopularity(d, cols), EvalOptions{Exclude: true})
	mf := Evaluate(d, cols, data.Valid, &MF{M: m}, EvalOptions{Exclude: true})
	seq0 := Evaluate(d, cols, data.Valid, &MF{M: m, Beta: 0, History: 10}, EvalOptions{Exclude: true, Threads: 1})
	seq := Evaluate(d, cols, data.Valid, &MF{M: m, Beta: 1, History: 10}, EvalOptions{Exclude: true})
	t.Logf("pop %s | mf %s | mf-seq %s", pop.Row(), mf.Row(), seq.Row())
	hp, _ := pop.At(10)
	hm, _ := mf.At(10)
	if hm <= hp {
		t.Errorf("MF HR@10 %.4f not above popularity %.4f", hm, hp)
	}
	if mf.Row() != seq0.Row() {
		t.Errorf("beta 0 differs from mf: %s vs %s", seq0.Row(), mf.Row())
	}
}
