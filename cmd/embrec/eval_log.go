// eval --log: one trial line per evaluation of a trained run, with how
// long and how far it trained, for the audited results tables.

package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"

	"embrec/train"
)

// runLabel names a run's model in the paper's terms: embed-s1 / embed-s2
// for the method, text-sequential / text-random for Llama-S / Llama-R.
func runLabel(s train.RunSpec) string {
	if s.Mode == "text" {
		ix := s.Indexing
		if ix == "" {
			ix = "sequential"
		}
		return "text-" + ix
	}
	if s.Stage2 != nil && s.Stage2.Steps == 0 {
		return "embed-s1"
	}
	return "embed-s2"
}

// trainingTime sums the seconds of a run's step lines in metrics.jsonl.
func trainingTime(dir string) float64 {
	f, err := os.Open(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		return 0
	}
	defer f.Close()
	var total float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct {
			Seconds float64 `json:"seconds"`
			Valid   float64 `json:"valid_seconds"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			total += m.Seconds + m.Valid
		}
	}
	return total
}

func logEvalTrial(path, label, dir, device, which string, b *train.Built, step int, rows []evalRow) error {
	s := b.Spec
	if label == "" {
		label = runLabel(s)
		if which == "stage1" {
			label = "embed-s1"
		}
	}
	var passes float64
	if s.Stage2 != nil && which != "stage1" {
		n := len(b.Rec.Enc.TrainSamples())
		passes = float64(step*s.Stage2.Batch*s.Stage2.Accum) / float64(max(n, 1))
	}
	t := trial{Model: label, Dataset: b.Data.Name, Device: device, WallS: trainingTime(dir), Passes: passes,
		Extra: map[string]any{"run": dir, "step": step, "spec": s, "rows": rows}}
	for _, r := range rows {
		if r.Task != "sequential" || r.Template != "seen:0" {
			continue // (every row of one eval shares --exclude; the label says which)
		}
		sc := &scores{r.HR5, r.NDCG5, r.HR10, r.NDCG10, r.Users}
		if r.Split == "valid" {
			t.Valid = sc
		} else {
			t.Test, t.TestCI = sc, r.HR10CI
		}
	}
	return appendTrial(path, t)
}
