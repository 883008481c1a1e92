// Tests of validation during training: the best checkpoint reproduces the
// metrics it was chosen by, patience stops stage 2 early, and a resumed
// run keeps the best state.

package train

import (
	"path/filepath"
	"testing"
)

func TestValidationKeepsBestAndStopsEarly(t *testing.T) {
	s := newTinySetup(t)
	cfg := DefaultTrainConfig()
	cfg.Batch, cfg.Warmup, cfg.LR = 4, 2, 3e-2 // a high rate: validation moves between checks
	s1, s2 := cfg, cfg
	s1.Steps, s2.Steps = 2, 60
	b := &Built{Data: s.d, Templates: s.ts, Rec: s.recommender(t)}
	dir := t.TempDir()
	v := Validation{Every: 3, Users: 20, Patience: 2}
	var vals []ValidStats
	last := 0
	err := RunStages(t.Context(), b, s1, s2, dir, 0, false, v, Hooks{
		OnValid: func(st ValidStats) { vals = append(vals, st) },
		OnStep: func(stage int, st StepStats) {
			if stage == 2 {
				last = st.Step
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) == 0 || !vals[0].Best {
		t.Fatalf("validations %+v: want at least one, the first a best", vals)
	}
	best, ok, err := LoadBestState(dir)
	if err != nil || !ok {
		t.Fatalf("best.json: %v, present %v", err, ok)
	}
	// The best is the maximum NDCG@10 seen, and training stopped exactly
	// Patience validations after it (or ran to the end).
	bestSeen := vals[0]
	for _, st := range vals {
		if st.NDCG10 > bestSeen.NDCG10 {
			bestSeen = st
		}
		if st.Step%v.Every != 0 && st.Step != s2.Steps {
			t.Errorf("validation at step %d, want multiples of %d", st.Step, v.Every)
		}
	}
	if best.Step != bestSeen.Step || best.NDCG10 != bestSeen.NDCG10 {
		t.Fatalf("best.json %+v, best validation seen %+v", best, bestSeen)
	}
	t.Logf("%d validations, best at step %d, stopped at step %d of %d", len(vals), best.Step, last, s2.Steps)
	if last < s2.Steps && (last != vals[len(vals)-1].Step || best.Stale != v.Patience) {
		t.Fatalf("stopped at step %d (validations %+v), best %+v: want a stop right after the %d-th stale validation", last, vals, best, v.Patience)
	}
	// Evaluating the best checkpoint reproduces the metrics it was chosen by.
	r := s.recommender(t)
	step, _, err := r.LoadCheckpoint(filepath.Join(dir, BestFile), false)
	if err != nil || step != best.Step {
		t.Fatalf("best checkpoint: step %d, %v; want step %d", step, err, best.Step)
	}
	res, err := r.Evaluate(s.ts, v.eval(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if hr, nd := res.At(10); hr != best.HR10 || nd != best.NDCG10 {
		t.Fatalf("best checkpoint evaluates to HR@10 %v NDCG@10 %v, validation recorded %v %v", hr, nd, best.HR10, best.NDCG10)
	}
}
