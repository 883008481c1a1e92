// Save and Load in PEFT's layout: adapter_model.safetensors with
// base_model.model.<module>.lora_{A,B}.weight, and adapter_config.json.

package lora

import (
	"embrec/internal/atomicfile"

	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"embrec/tensor"
	"embrec/tensor/safetensors"
)

// File names PEFT uses in an adapter directory.
const (
	WeightsFile = "adapter_model.safetensors"
	ConfigFile  = "adapter_config.json"
)

// Save writes the adapters to dir (created if needed) atomically file by
// file; base names the base model in the config.
func (s *Set) Save(dir, base string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lora: %w", err)
	}
	var ts []safetensors.Tensor
	for _, l := range s.All {
		for _, m := range []struct {
			which string
			t     *tensor.Tensor
		}{{"A", l.A}, {"B", l.B}} {
			host := make([]float32, m.t.Len())
			s.b.Download(host, m.t)
			ts = append(ts, safetensors.F32Tensor(PEFTName(l.Name, m.which), slices.Clone(m.t.Shape()), host))
		}
	}
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), ts, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("lora: save: %w", err)
	}
	cfg, err := json.MarshalIndent(s.Config.peft(base), "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, ConfigFile), append(cfg, '\n'))
}

// Load reads adapter weights from dir into the set's bound tensors. The
// directory's config must match the set's rank and targets; every tensor
// must be present with the right shape, and no unknown LoRA tensor may be
// left over.
func (s *Set) Load(dir string) error {
	cfg, err := ReadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		return err
	}
	if cfg.Rank != s.Config.Rank || !slices.Equal(sortedCopy(cfg.Targets), sortedCopy(s.Config.Targets)) {
		return fmt.Errorf("lora: %s: adapter has rank %d on %v, model expects rank %d on %v",
			dir, cfg.Rank, cfg.Targets, s.Config.Rank, s.Config.Targets)
	}
	path := filepath.Join(dir, WeightsFile)
	f, err := safetensors.Open(path)
	if err != nil {
		return fmt.Errorf("lora: %w", err)
	}
	defer f.Close()
	want := map[string]bool{}
	for _, l := range s.All {
		for _, m := range []struct {
			which string
			t     *tensor.Tensor
		}{{"A", l.A}, {"B", l.B}} {
			name := PEFTName(l.Name, m.which)
			want[name] = true
			info, ok := f.Info(name)
			if !ok {
				return fmt.Errorf("lora: %s: tensor %q missing", path, name)
			}
			if !slices.Equal(info.Shape, m.t.Shape()) {
				return fmt.Errorf("lora: %s: tensor %q has shape %v, want %v", path, name, info.Shape, m.t.Shape())
			}
			host, err := f.Float32(name)
			if err != nil {
				return fmt.Errorf("lora: %w", err)
			}
			s.b.Upload(m.t, host)
		}
	}
	for _, name := range f.Names() {
		if !want[name] {
			return fmt.Errorf("lora: %s: unexpected tensor %q (adapter for another model shape?)", path, name)
		}
	}
	return nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// Merge folds every adapter into its base weight: W (Out, In) +=
// scale * B @ A. weight returns the writable base tensor of a module path.
// Merged adapters must not be applied again at inference.
func (s *Set) Merge(weight func(module string) *tensor.Tensor) {
	for _, l := range s.All {
		w := weight(l.Name)
		if w == nil || w.Rows() != l.Out || w.Cols() != l.In {
			panic(fmt.Sprintf("lora: Merge: base weight of %s is %v, want (%d, %d)", l.Name, w, l.Out, l.In))
		}
		tmp := s.b.New(tensor.F32, l.Out, l.In)
		s.b.MatMul(tmp, l.B, l.A, false, false, 0) // (Out, In) = (Out, R) @ (R, In)
		s.b.AddScaled(w, tmp, l.Scale)
	}
}
