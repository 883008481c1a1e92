// Loading a trained run directory: run.json rebuilt into a recommender on
// a backend (its recorded inputs verified), and the weights of its best,
// last or stage-1 checkpoint loaded (eval, recommend, serve).

package train

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"embrec/tensor"
)

// LoadOptions choose what LoadRunWith loads.
type LoadOptions struct {
	// Checkpoint is "best" (the default: best.safetensors when the run
	// validated, else the last checkpoint), "last" or "stage1" (the
	// projectors stage 1 ended with).
	Checkpoint string
	// AcceptChanged uses a run whose recorded inputs changed since
	// training (VerifyInputs), with a warning on log, instead of failing.
	AcceptChanged bool
}

// LoadRun rebuilds the recommender of run directory dir on b with its
// best weights, logging the build to log.
func LoadRun(dir string, b tensor.Backend, log io.Writer) (*Built, error) {
	built, _, err := LoadRunWith(dir, b, log, LoadOptions{})
	return built, err
}

// LoadRunWith is LoadRun with options; it also returns the step of the
// weights loaded.
func LoadRunWith(dir string, b tensor.Backend, log io.Writer, o LoadOptions) (*Built, int, error) {
	spec, err := LoadSpecVerified(dir, o.AcceptChanged, func(err error) { fmt.Fprintf(log, "warning: %v\n", err) })
	if err != nil {
		return nil, 0, err
	}
	built, err := Build(spec, b, log)
	if err != nil {
		return nil, 0, err
	}
	path := filepath.Join(dir, CheckpointFile)
	var step int
	switch o.Checkpoint {
	case "", "best":
		if best := filepath.Join(dir, BestFile); fileExists(best) {
			path = best
		}
		step, _, err = built.Rec.LoadCheckpoint(path, false)
	case "last":
		step, _, err = built.Rec.LoadCheckpoint(path, false)
	case "stage1":
		path = filepath.Join(dir, Stage1File)
		step, err = built.Rec.LoadStage1(path)
	default:
		return nil, 0, fmt.Errorf("checkpoint %q: want best, last or stage1", o.Checkpoint)
	}
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(log, "weights: %s (step %d)\n", path, step)
	return built, step, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Tasks returns the tasks the run trained (stage 2's, else stage 1's, else
// the default pair).
func (s RunSpec) Tasks() []string {
	for _, c := range []*TrainConfig{s.Stage2, s.Stage1} {
		if c != nil && len(c.Tasks) > 0 {
			return c.Tasks
		}
	}
	return DefaultTrainConfig().Tasks
}

// LoadSpecVerified is LoadSpec followed by VerifyInputs: a changed input
// is an error unless acceptChanged, when it goes to warn instead.
func LoadSpecVerified(dir string, acceptChanged bool, warn func(error)) (RunSpec, error) {
	spec, err := LoadSpec(dir)
	if err != nil {
		return spec, err
	}
	if err := VerifyInputs(spec); err != nil {
		if !acceptChanged {
			return spec, fmt.Errorf("%s: %w\n(--accept-changed-inputs uses the run anyway)", filepath.Join(dir, SpecFile), err)
		}
		warn(err)
	}
	return spec, nil
}
