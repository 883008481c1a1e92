// Divergence guard: a non-finite loss or gradient norm stops training
// before the optimizer applies the step (so the weights, and every
// checkpoint, stay those of the last good step), and a checkpoint is never
// written with a non-finite value in it. The run directory then holds
// diverged.json saying where and why.

package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"embrec/internal/atomicfile"
	"embrec/internal/finite"
)

// DivergedFile is written into the run directory when training diverged.
const DivergedFile = "diverged.json"

// DivergedError reports a training step whose loss or gradient norm is not
// finite, or trainable weights that became non-finite.
// Its JSON form (MarshalJSON) is the map of fields.
type DivergedError struct {
	Stage    int
	Step     int // 1-based step that diverged
	Loss     float64
	GradNorm float64
	Tensor   string // the non-finite tensor, when weights were checked
	Index    int    // its first non-finite element
}

func (e *DivergedError) Error() string {
	if e.Tensor != "" {
		return fmt.Sprintf("training diverged: stage %d step %d: tensor %q holds a non-finite value at element %d", e.Stage, e.Step, e.Tensor, e.Index)
	}
	return fmt.Sprintf("training diverged: stage %d step %d: loss %g, gradient norm %g", e.Stage, e.Step, e.Loss, e.GradNorm)
}

// MarshalJSON writes fields.
func (e *DivergedError) MarshalJSON() ([]byte, error) { return json.Marshal(e.fields()) }

// fields is the JSON form: NaN and ±Inf (which JSON lacks) as strings.
func (e *DivergedError) fields() map[string]any {
	num := func(x float64) any {
		if finite.Float64(x) {
			return x
		}
		return fmt.Sprint(x)
	}
	m := map[string]any{"stage": e.Stage, "step": e.Step, "error": e.Error()}
	if e.Tensor != "" {
		m["tensor"], m["index"] = e.Tensor, e.Index
	} else {
		m["loss"], m["grad_norm"] = num(e.Loss), num(e.GradNorm)
	}
	return m
}

// checkDiverged returns a *DivergedError when st's loss or gradient norm
// is not finite. TrainStep calls it before the optimizer update.
func (t *Trainer) checkDiverged(st StepStats) error {
	if finite.Float64(st.Loss) && finite.Float64(st.GradNorm) {
		return nil
	}
	return &DivergedError{Stage: t.Cfg.Stage, Step: st.Step, Loss: st.Loss, GradNorm: st.GradNorm}
}

// WriteDiverged records err (and hint, a suggestion for the user) as
// diverged.json in dir.
func WriteDiverged(dir string, err *DivergedError, hint string) error {
	m := err.fields()
	m["hint"] = hint
	js, jerr := json.MarshalIndent(m, "", "  ")
	if jerr != nil {
		return jerr
	}
	return atomicfile.WriteFile(filepath.Join(dir, DivergedFile), append(js, '\n'))
}

// AsDiverged returns the *DivergedError in err's chain, if any.
func AsDiverged(err error) (*DivergedError, bool) {
	var d *DivergedError
	ok := errors.As(err, &d)
	return d, ok
}
