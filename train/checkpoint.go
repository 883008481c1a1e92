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
			ts = append(ts, safetensors.F32Tensor(name+"."+p.suffix, []int{len(host)}, host))
		}
	}
	if err := safetensors.Write(path, ts, meta); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpoint restores a state written by SaveCheckpoint into a trainer
// whose model has the same shape and options. With optimizer, the AdamW
// moments and the step count are restored too (resuming); without, only
// the weights (starting stage 2 from stage 1). It returns the stage the
// checkpoint was written in.
func (t *Trainer) LoadCheckpoint(path string, optimizer bool) (stage int, err error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return 0, fmt.Errorf("train: checkpoint: %w", err)
	}
	defer f.Close()
	md := f.Metadata()
	if md["format"] != CheckpointFormat {
		return 0, fmt.Errorf("train: %s: format %q, want %q", path, md["format"], CheckpointFormat)
	}
	step, err := strconv.Atoi(md["step"])
	if err != nil {
		return 0, fmt.Errorf("train: %s: bad step %q", path, md["step"])
	}
	var cfg TrainConfig
	if err := json.Unmarshal([]byte(md["config"]), &cfg); err != nil {
		return 0, fmt.Errorf("train: %s: bad config: %w", path, err)
	}
	groups := t.R.namedGroups()
	for _, name := range f.Names() {
		group, _, _ := strings.Cut(name, ".")
		if groups[group] == nil {
			return 0, fmt.Errorf("train: %s: tensor %q belongs to no trainable group of this model (other options?)", path, name)
		}
	}
	for name, g := range groups {
		for _, p := range g.parts(optimizer) {
			key := name + "." + p.suffix
			info, ok := f.Info(key)
			if !ok {
				return 0, fmt.Errorf("train: %s: tensor %q missing", path, key)
			}
			if !slices.Equal(info.Shape, []int{p.t.Len()}) {
				return 0, fmt.Errorf("train: %s: tensor %q has shape %v, this model needs [%d]", path, key, info.Shape, p.t.Len())
			}
			host, err := f.Float32(key)
			if err != nil {
				return 0, err
			}
			t.R.b.Upload(p.t, host)
		}
	}
	if optimizer {
		t.Step = step
	}
	return cfg.Stage, nil
}
