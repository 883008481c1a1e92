// Loading a trained run directory: run.json rebuilt into a recommender on
// a backend, its checkpoint's weights loaded (eval, recommend, serve).

package train

import (
	"io"
	"path/filepath"

	"embrec/tensor"
)

// LoadRun rebuilds the recommender of run directory dir on b and loads
// its trained weights, logging the build to log.
func LoadRun(dir string, b tensor.Backend, log io.Writer) (*Built, error) {
	spec, err := LoadSpec(dir)
	if err != nil {
		return nil, err
	}
	if spec.Init == "random" && spec.Tokenizer == "" {
		spec.Tokenizer = filepath.Join(dir, TokenizerFile)
	}
	built, err := Build(spec, b, log)
	if err != nil {
		return nil, err
	}
	if _, _, err := built.Rec.LoadCheckpoint(filepath.Join(dir, CheckpointFile), false); err != nil {
		return nil, err
	}
	return built, nil
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
