// Validation during training: every Every steps of stage 2, HR@10 and
// NDCG@10 of beam search (as in evaluation) on a fixed set of validation
// users; the best checkpoint by NDCG@10 is kept beside the last one, and
// training stops early after Patience validations without improvement.

package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"embrec/internal/atomicfile"
	"embrec/train/data"
)

// Run-directory files of validation.
const (
	BestFile      = "best.safetensors" // the checkpoint of the best validation
	BestStateFile = "best.json"        // its step and metrics, and the validations since
)

// ValidSampleRandom is Validation.Sample for a seeded uniform sample.
const ValidSampleRandom = "random"

// Validation configures validation during stage 2; Every 0 turns it off.
type Validation struct {
	Every int `json:"every"` // optimizer steps between validations
	Users int `json:"users"` // validation users (0: all)
	// Sample is how the Users are chosen: "random" (a fixed seeded sample,
	// SampleOf) or "" (the file's first Users, as runs before it did).
	Sample   string `json:"sample,omitempty"`
	Patience int    `json:"patience"` // stop after this many validations without a better NDCG@10 (0: never)
	Task     string `json:"task"`     // default "sequential"
	Template string `json:"template"` // default "seen:0"
	Beams    int    `json:"beams"`    // default 10
}

// ValidStats report one validation.
type ValidStats struct {
	Stage   int     `json:"stage"`
	Step    int     `json:"step"`
	HR10    float64 `json:"valid_hr10"`
	NDCG10  float64 `json:"valid_ndcg10"`
	Users   int     `json:"valid_users"`
	Best    bool    `json:"best"`
	Seconds float64 `json:"valid_seconds"`
}

// BestState is best.json: the best validation so far and how many
// validations have passed since (for early stopping across resumes).
type BestState struct {
	Step   int     `json:"step"`
	HR10   float64 `json:"valid_hr10"`
	NDCG10 float64 `json:"valid_ndcg10"`
	Stale  int     `json:"stale"`
}

func (v Validation) eval() EvalConfig {
	c := EvalConfig{Split: data.Valid, Task: v.Task, Template: v.Template, Beams: v.Beams, Users: v.Users,
		SampleUsers: v.Sample == ValidSampleRandom}
	if c.Task == "" {
		c.Task = "sequential"
	}
	if c.Template == "" {
		c.Template = "seen:0"
	}
	if c.Beams == 0 {
		c.Beams = 10
	}
	return c
}

// LoadBestState reads dir's best.json; a run without one has none yet.
func LoadBestState(dir string) (BestState, bool, error) {
	var b BestState
	js, err := os.ReadFile(filepath.Join(dir, BestStateFile))
	if os.IsNotExist(err) {
		return b, false, nil
	}
	if err != nil {
		return b, false, err
	}
	if err := json.Unmarshal(js, &b); err != nil {
		return b, false, fmt.Errorf("%s: %w", filepath.Join(dir, BestStateFile), err)
	}
	return b, true, nil
}

func saveBestState(dir string, b BestState) error {
	js, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, BestStateFile), append(js, '\n'))
}

// validator runs the validations of one stage-2 trainer in dir.
type validator struct {
	v    Validation
	b    *Built
	dir  string
	best BestState
	have bool
}

func newValidator(v Validation, b *Built, dir string, resume bool) (*validator, error) {
	if v.Every <= 0 {
		return nil, nil
	}
	if _, err := b.Templates.Get(v.eval().Task, v.eval().Template); err != nil {
		return nil, fmt.Errorf("validation: %w", err)
	}
	va := &validator{v: v, b: b, dir: dir}
	if resume {
		var err error
		if va.best, va.have, err = LoadBestState(dir); err != nil {
			return nil, err
		}
	}
	return va, nil
}

// after runs a validation when step is due (or last), saving the best
// checkpoint; it reports whether training should stop early.
func (va *validator) after(t *Trainer, last bool, report func(ValidStats)) (stop bool, err error) {
	if t.Step%va.v.Every != 0 && !last {
		return false, nil
	}
	t0 := time.Now()
	res, err := t.R.Evaluate(va.b.Templates, va.v.eval(), nil)
	if err != nil {
		return false, fmt.Errorf("validation at step %d: %w", t.Step, err)
	}
	st := ValidStats{Stage: t.Cfg.Stage, Step: t.Step, Users: res.N}
	st.HR10, st.NDCG10 = res.At(10)
	if !va.have || st.NDCG10 > va.best.NDCG10 {
		if err := t.SaveCheckpoint(filepath.Join(va.dir, BestFile)); err != nil {
			return false, err
		}
		va.best, va.have, st.Best = BestState{Step: t.Step, HR10: st.HR10, NDCG10: st.NDCG10}, true, true
	} else {
		va.best.Stale++
	}
	if err := saveBestState(va.dir, va.best); err != nil {
		return false, err
	}
	st.Seconds = time.Since(t0).Seconds()
	if report != nil {
		report(st)
	}
	return va.v.Patience > 0 && va.best.Stale >= va.v.Patience, nil
}
