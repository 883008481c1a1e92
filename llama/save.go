// Writing an HF model directory: config.json and the weights as one
// model.safetensors or shards with model.safetensors.index.json, streamed
// one tensor at a time (a multi-gigabyte model never sits in memory whole).

package llama

import (
	"embrec/internal/atomicfile"

	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"embrec/tensor/safetensors"
)

// SaveOptions choose the stored dtype and sharding.
type SaveOptions struct {
	DType     safetensors.DType // F32 (default), F16 or BF16
	ShardSize int64             // max bytes per shard; <= 0: one file
	Metadata  map[string]string // safetensors __metadata__
}

// SaveDir writes config.json and the weights of cfg into dir (created if
// needed). values(name, dst) must fill dst with the named tensor's
// float32 values (dst has its size); it is called once per tensor in Specs
// order. Every file is written atomically (temp file + rename).
func SaveDir(dir string, cfg Config, values func(name string, dst []float32) error, opt SaveOptions) error {
	if opt.DType == "" {
		opt.DType = safetensors.F32
	}
	if !opt.DType.IsFloat32Convertible() {
		return fmt.Errorf("llama: save %s: dtype %s, want F32, F16 or BF16", dir, opt.DType)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("llama: save: %w", err)
	}
	c := cfg
	switch opt.DType {
	case safetensors.F32:
		c.DType = "float32"
	case safetensors.F16:
		c.DType = "float16"
	case safetensors.BF16:
		c.DType = "bfloat16"
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "config.json"), c.JSON()); err != nil {
		return err
	}
	// Group the specs into shards of at most ShardSize bytes.
	specs := cfg.Specs()
	var shards [][]ParamSpec
	var cur []ParamSpec
	var size int64
	for _, s := range specs {
		n := int64(numel(s.Shape)) * int64(opt.DType.Size())
		if opt.ShardSize > 0 && len(cur) > 0 && size+n > opt.ShardSize {
			shards, cur, size = append(shards, cur), nil, 0
		}
		cur = append(cur, s)
		size += n
	}
	shards = append(shards, cur)
	weightMap := map[string]string{}
	var total int64
	buf := []float32{}
	for i, shard := range shards {
		name := "model.safetensors"
		if len(shards) > 1 {
			name = fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(shards))
		}
		st := make([]safetensors.Spec, len(shard))
		for j, s := range shard {
			st[j] = safetensors.Spec{Name: s.Name, DType: opt.DType, Shape: s.Shape}
			weightMap[s.Name] = name
			total += int64(numel(s.Shape)) * int64(opt.DType.Size())
		}
		w, err := safetensors.Create(filepath.Join(dir, name), st, opt.Metadata)
		if err != nil {
			return fmt.Errorf("llama: save: %w", err)
		}
		for _, s := range shard {
			n := numel(s.Shape)
			if cap(buf) < n {
				buf = make([]float32, n)
			}
			if err := values(s.Name, buf[:n]); err != nil {
				w.Abort()
				return fmt.Errorf("llama: save %s: tensor %q: %w", dir, s.Name, err)
			}
			if err := w.WriteFloat32(s.Name, buf[:n]); err != nil {
				w.Abort()
				return fmt.Errorf("llama: save: %w", err)
			}
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("llama: save: %w", err)
		}
	}
	if len(shards) > 1 {
		idx := map[string]any{"metadata": map[string]any{"total_size": total}, "weight_map": weightMap}
		b, _ := json.MarshalIndent(idx, "", "  ")
		if err := atomicfile.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// Save writes the model's weights and config into dir (see SaveDir).
func (m *Model) Save(dir string, opt SaveOptions) error {
	pm := m.paramMap()
	return SaveDir(dir, m.Config, func(name string, dst []float32) error {
		m.Backend.Download(dst, pm[name])
		return nil
	}, opt)
}
