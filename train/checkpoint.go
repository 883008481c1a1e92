// Checkpoints: every trainable group's weights and AdamW moments plus the
// step count, written atomically as one safetensors file. The trainer's
// random choices derive from (seed, step), so this is the whole state.

package train

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"embrec/internal/finite"
	"embrec/tensor"
	"embrec/tensor/safetensors"
)

// CheckpointFormat is the "format" metadata value of a checkpoint.
const CheckpointFormat = "embrec-checkpoint/1"

// part is one saved buffer of a group.
type part struct {
	suffix string
	t      *tensor.Tensor
}

func (g *Params) parts(optimizer bool) []part {
	if !optimizer {
		return []part{{"weight", g.W}}
	}
	return []part{{"weight", g.W}, {"adam_m", g.M}, {"adam_v", g.V}}
}

// namedGroups lists the recommender's groups under stable names.
func (r *Recommender) namedGroups() map[string]*Params {
	m := map[string]*Params{}
	if r.Proj != nil {
		m["proj"] = r.Proj
	}
	if r.LoRA != nil {
		m["lora"] = r.LoRA
	}
	if r.Full != nil {
		m["full"] = r.Full
	}
	return m
}

// SaveCheckpoint writes the trainer's state to path (temp file + rename).
func (t *Trainer) SaveCheckpoint(path string) error {
	cfg, err := json.Marshal(t.Cfg)
	if err != nil {
		return err
	}
	meta := map[string]string{"format": CheckpointFormat, "step": strconv.Itoa(t.Step), "config": string(cfg)}
	var ts []safetensors.Tensor
	for name, g := range t.R.namedGroups() {
		for _, p := range g.parts(true) {
			host := make([]float32, p.t.Len())
			t.R.b.Download(host, p.t)
			if i := finite.Index(host); i >= 0 {
				// Never replace a good checkpoint with a diverged one.
				return &DivergedError{Stage: t.Cfg.Stage, Step: t.Step, Tensor: name + "." + p.suffix, Index: i}
			}
			ts = append(ts, safetensors.F32Tensor(name+"."+p.suffix, []int{len(host)}, host))
		}
	}
	if err := safetensors.Write(path, ts, meta); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

// checkpointMeta reads and checks the metadata of an open checkpoint.
func checkpointMeta(f *safetensors.File) (step int, cfg TrainConfig, err error) {
	md, path := f.Metadata(), f.Path()
	if md["format"] != CheckpointFormat {
		return 0, cfg, fmt.Errorf("train: %s: format %q, want %q", path, md["format"], CheckpointFormat)
	}
	if step, err = strconv.Atoi(md["step"]); err != nil {
		return 0, cfg, fmt.Errorf("train: %s: bad step %q", path, md["step"])
	}
	if err := json.Unmarshal([]byte(md["config"]), &cfg); err != nil {
		return 0, cfg, fmt.Errorf("train: %s: bad config: %w", path, err)
	}
	if cfg.Stage != 1 && cfg.Stage != 2 {
		return 0, cfg, fmt.Errorf("train: %s: checkpoint of unknown stage %d", path, cfg.Stage)
	}
	return step, cfg, nil
}

// LoadCheckpoint reads the trained weights of a checkpoint written by
// Trainer.SaveCheckpoint into r, which must have the same shape and
// options; with optimizer, the AdamW moments too. It returns the step and
// the training configuration the checkpoint was written with.
func (r *Recommender) LoadCheckpoint(path string, optimizer bool) (step int, cfg TrainConfig, err error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return 0, cfg, fmt.Errorf("train: checkpoint: %w", err)
	}
	defer f.Close()
	if step, cfg, err = checkpointMeta(f); err != nil {
		return 0, cfg, err
	}
	groups := r.namedGroups()
	for _, name := range f.Names() {
		group, _, _ := strings.Cut(name, ".")
		if groups[group] == nil {
			return 0, cfg, fmt.Errorf("train: %s: tensor %q belongs to no trainable group of this model (other options?)", path, name)
		}
	}
	for name, g := range groups {
		for _, p := range g.parts(optimizer) {
			key := name + "." + p.suffix
			info, ok := f.Info(key)
			if !ok {
				return 0, cfg, fmt.Errorf("train: %s: tensor %q missing", path, key)
			}
			if !slices.Equal(info.Shape, []int{p.t.Len()}) {
				return 0, cfg, fmt.Errorf("train: %s: tensor %q has shape %v, this model needs [%d]", path, key, info.Shape, p.t.Len())
			}
			host, err := f.Float32(key)
			if err != nil {
				return 0, cfg, err
			}
			if i := finite.Index(host); i >= 0 {
				return 0, cfg, fmt.Errorf("train: %s: tensor %q: element %d is %v (a diverged run?)", path, key, i, host[i])
			}
			r.b.Upload(p.t, host)
		}
	}
	r.syncItemHead()
	return step, cfg, nil
}

// LoadCheckpoint restores a state written by SaveCheckpoint. With
// optimizer, the AdamW moments and the step count are restored too
// (resuming); without, only the weights (starting stage 2 from stage 1).
func (t *Trainer) LoadCheckpoint(path string, optimizer bool) error {
	step, _, err := t.R.LoadCheckpoint(path, optimizer)
	if err == nil && optimizer {
		t.Step = step
	}
	return err
}

// TrainableParams is the number of scalars in every trainable group.
func (r *Recommender) TrainableParams() int {
	n := 0
	for _, g := range r.namedGroups() {
		n += g.W.Len()
	}
	return n
}

// LoadStage1 loads the projectors of stage 1's checkpoint (Stage1File)
// into r, leaving the backbone and the adapters as built (the adapters
// start as a no-op): the model stage 1 ended with, for evaluating it.
func (r *Recommender) LoadStage1(path string) (step int, err error) {
	if r.Proj == nil {
		return 0, fmt.Errorf("train: %s: stage 1 trains projectors, and this model has none (text mode)", path)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return 0, fmt.Errorf("train: checkpoint: %w", err)
	}
	defer f.Close()
	if step, _, err = checkpointMeta(f); err != nil {
		return 0, err
	}
	info, ok := f.Info("proj.weight")
	if !ok || !slices.Equal(info.Shape, []int{r.Proj.W.Len()}) {
		return 0, fmt.Errorf("train: %s: no projector weights of shape [%d]", path, r.Proj.W.Len())
	}
	host, err := f.Float32("proj.weight")
	if err != nil {
		return 0, err
	}
	r.b.Upload(r.Proj.W, host)
	r.syncItemHead()
	return step, nil
}

// TrainedParams is the number of scalars the trainer's stage updates (stage
// 1: the projectors only, whatever other groups the model has).
func (t *Trainer) TrainedParams() int {
	n := 0
	for _, g := range t.groups() {
		n += g.W.Len()
	}
	return n
}
