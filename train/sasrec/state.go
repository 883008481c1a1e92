// Saving and restoring a model: state.safetensors (weights, AdamW moments
// and the training State, to resume) and best.safetensors (the weights of
// the best validation epoch).

package sasrec

import (
	"encoding/json"
	"fmt"

	"embrec/internal/finite"
	"embrec/tensor"
	"embrec/tensor/safetensors"
)

// Format is the "format" metadata value of sasrec weight files.
const Format = "embrec-sasrec/1"

func (m *Model) host(t *tensor.Tensor) []float32 {
	h := make([]float32, t.Len())
	m.b.Download(h, t)
	return h
}

// Save writes the weights to path, and with optimizer the AdamW moments
// and st too (atomically: temp file and rename).
func (m *Model) Save(path string, st State, optimizer bool) error {
	js, err := json.Marshal(st)
	if err != nil {
		return err
	}
	n := m.W.Len()
	ts := []safetensors.Tensor{safetensors.F32Tensor("weight", []int{n}, m.host(m.W))}
	if optimizer {
		ts = append(ts, safetensors.F32Tensor("adam_m", []int{n}, m.host(m.M)),
			safetensors.F32Tensor("adam_v", []int{n}, m.host(m.V)))
	}
	if err := safetensors.Write(path, ts, map[string]string{"format": Format, "state": string(js)}); err != nil {
		return fmt.Errorf("sasrec: save %s: %w", path, err)
	}
	return nil
}

// Load reads weights (and with optimizer the AdamW moments) written by
// Save into m and returns the saved State. Non-finite weights are refused.
func (m *Model) Load(path string, optimizer bool) (State, error) {
	var st State
	f, err := safetensors.Open(path)
	if err != nil {
		return st, fmt.Errorf("sasrec: %w", err)
	}
	defer f.Close()
	md := f.Metadata()
	if md["format"] != Format {
		return st, fmt.Errorf("sasrec: %s: format %q, want %q", path, md["format"], Format)
	}
	if err := json.Unmarshal([]byte(md["state"]), &st); err != nil {
		return st, fmt.Errorf("sasrec: %s: state: %w", path, err)
	}
	names := []string{"weight"}
	dst := []*tensor.Tensor{m.W}
	if optimizer {
		names, dst = append(names, "adam_m", "adam_v"), append(dst, m.M, m.V)
	}
	for i, name := range names {
		info, ok := f.Info(name)
		if !ok {
			return st, fmt.Errorf("sasrec: %s: tensor %q missing", path, name)
		}
		if len(info.Shape) != 1 || info.Shape[0] != m.W.Len() {
			return st, fmt.Errorf("sasrec: %s: tensor %q has shape %v, this model needs [%d] (other --hidden, --layers or data?)", path, name, info.Shape, m.W.Len())
		}
		h, err := f.Float32(name)
		if err != nil {
			return st, err
		}
		if j := finite.Index(h); j >= 0 {
			return st, fmt.Errorf("sasrec: %s: tensor %q holds a non-finite value at %d", path, name, j)
		}
		m.b.Upload(dst[i], h)
	}
	return st, nil
}
