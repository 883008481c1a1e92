// Loading an HF model directory: config.json plus model.safetensors or a
// sharded model.safetensors.index.json. F32 tensors are used zero-copy
// from the read-only memory map on the CPU backend; F16 and BF16 tensors
// are converted into one float32 allocation and their shards unmapped.

package llama

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"embrec/internal/finite"
	"embrec/tensor"
	"embrec/tensor/safetensors"
)

// Load reads the model in dir onto backend b. Every error names the file
// and, where it is about one, the tensor with its expected and found shape.
// Call Model.Close when done to unmap the files.
func Load(dir string, b tensor.Backend) (*Model, error) {
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	shardOf, files, err := weightFiles(dir)
	if err != nil {
		return nil, err
	}
	opened := map[string]*safetensors.File{}
	closeAll := func() {
		for _, f := range opened {
			f.Close()
		}
	}
	for _, name := range files {
		f, err := safetensors.Open(filepath.Join(dir, name))
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("llama: load %s: %w", dir, err)
		}
		opened[name] = f
	}
	specs := cfg.Specs()
	want := map[string]bool{}
	for _, s := range specs {
		want[s.Name] = true
	}
	// Every tensor in the files must be one the model uses.
	for _, name := range files {
		for _, t := range opened[name].Names() {
			if want[t] || strings.HasSuffix(t, ".rotary_emb.inv_freq") || (cfg.TiedEmbed && t == "lm_head.weight") {
				continue
			}
			closeAll()
			return nil, fmt.Errorf("llama: %s: tensor %q is not part of a LLaMA model with this config", filepath.Join(dir, name), t)
		}
	}
	// Check presence, dtype and shape; count the values to convert.
	cpu, _ := b.(*tensor.CPU)
	zeroCopy := map[string]bool{}
	convert := 0
	for _, s := range specs {
		fname, ok := shardOf(s.Name)
		if !ok {
			closeAll()
			return nil, fmt.Errorf("llama: %s: tensor %q (shape %v) is missing", dir, s.Name, s.Shape)
		}
		f := opened[fname]
		info, ok := f.Info(s.Name)
		if !ok {
			closeAll()
			return nil, fmt.Errorf("llama: %s: tensor %q (shape %v) is missing", f.Path(), s.Name, s.Shape)
		}
		if !info.DType.IsFloat32Convertible() {
			closeAll()
			return nil, fmt.Errorf("llama: %s: tensor %q: dtype %s, want F32, F16 or BF16", f.Path(), s.Name, info.DType)
		}
		if !slices.Equal(info.Shape, s.Shape) {
			closeAll()
			return nil, fmt.Errorf("llama: %s: tensor %q: shape %v, want %v", f.Path(), s.Name, info.Shape, s.Shape)
		}
		if cpu != nil && info.DType == safetensors.F32 {
			raw, err := f.Bytes(s.Name)
			if err == nil && (len(raw) == 0 || uintptr(unsafe.Pointer(&raw[0]))%4 == 0) && littleEndian() {
				zeroCopy[s.Name] = true
				continue
			}
		}
		convert += numel(s.Shape)
	}
	var host []float32 // one allocation for every converted tensor
	if cpu != nil {
		host = make([]float32, convert)
	}
	tensors := map[string]*tensor.Tensor{}
	keep := map[string]bool{} // shards that back zero-copy tensors
	left := map[string]int{}  // tensors still to read per shard
	for _, s := range specs {
		fname, _ := shardOf(s.Name)
		left[fname]++
		if zeroCopy[s.Name] {
			keep[fname] = true
		}
	}
	// A shard is unmapped as soon as its last tensor is converted, so its
	// pages and the float32 copy are not resident together for long.
	done := func(fname string) {
		if left[fname]--; left[fname] == 0 && !keep[fname] {
			opened[fname].Close()
			delete(opened, fname)
		}
	}
	for _, s := range specs {
		fname, _ := shardOf(s.Name)
		f := opened[fname]
		n := numel(s.Shape)
		if zeroCopy[s.Name] {
			raw, _ := f.Bytes(s.Name)
			var data []float32
			if n > 0 {
				data = unsafe.Slice((*float32)(unsafe.Pointer(&raw[0])), n)
			}
			if err := checkFinite(f.Path(), s.Name, data); err != nil {
				closeAll()
				return nil, err
			}
			tensors[s.Name] = tensor.FromFloat32(data, s.Shape...)
			done(fname)
			continue
		}
		var dst []float32
		if cpu != nil {
			dst, host = host[:n:n], host[n:]
		} else {
			dst = make([]float32, n)
		}
		if err := f.ReadFloat32Into(s.Name, dst); err != nil {
			closeAll()
			return nil, fmt.Errorf("llama: load %s: %w", dir, err)
		}
		if err := checkFinite(f.Path(), s.Name, dst); err != nil {
			closeAll()
			return nil, err
		}
		if cpu != nil {
			tensors[s.Name] = tensor.FromFloat32(dst, s.Shape...)
		} else {
			t := b.New(tensor.F32, s.Shape...)
			b.Upload(t, dst)
			tensors[s.Name] = t
		}
		done(fname)
	}
	m := newModel(cfg, b, bindWeights(cfg, func(name string) *tensor.Tensor { return tensors[name] }))
	for name, f := range opened {
		if keep[name] {
			m.closers = append(m.closers, f)
		} else {
			f.Close()
		}
	}
	return m, nil
}

// checkFinite refuses a weight tensor holding NaN or ±Inf: such a model
// would train and decode to NaN without any other sign.
func checkFinite(path, name string, v []float32) error {
	if i := finite.Index(v); i >= 0 {
		return fmt.Errorf("llama: %s: tensor %q: element %d is %v (not a finite number)", path, name, i, v[i])
	}
	return nil
}

// weightFiles finds the safetensors files of dir and returns a lookup from
// tensor name to file name (relative to dir) and the list of files.
func weightFiles(dir string) (func(string) (string, bool), []string, error) {
	single := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		return func(string) (string, bool) { return "model.safetensors", true }, []string{"model.safetensors"}, nil
	}
	idxPath := filepath.Join(dir, "model.safetensors.index.json")
	data, err := os.ReadFile(idxPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("llama: %s: neither model.safetensors nor model.safetensors.index.json exists", dir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("llama: %w", err)
	}
	var idx struct {
		Metadata  map[string]any    `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, nil, fmt.Errorf("llama: %s: %w", idxPath, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, nil, fmt.Errorf("llama: %s: field \"weight_map\" is missing or empty", idxPath)
	}
	seen := map[string]bool{}
	var files []string
	for t, f := range idx.WeightMap {
		if f == "" || filepath.Base(f) != f || f == "." || f == ".." {
			return nil, nil, fmt.Errorf("llama: %s: weight_map[%q] = %q is not a file name in the model directory", idxPath, t, f)
		}
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	sort.Strings(files)
	return func(name string) (string, bool) { f, ok := idx.WeightMap[name]; return f, ok }, files, nil
}

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}
