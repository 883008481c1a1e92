// A model file holding one NaN weight is refused at load, naming the
// tensor, in every storage dtype.

package llama

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"embrec/tensor"
	"embrec/tensor/safetensors"
)

func TestLoadRefusesNonFiniteWeight(t *testing.T) {
	b := tensor.NewCPU(1)
	m, _ := NewRandom(smallConfig(), b, 0.2, 11)
	for _, dt := range []safetensors.DType{safetensors.F32, safetensors.BF16} {
		dir := t.TempDir()
		if err := m.Save(dir, SaveOptions{DType: dt}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "model.safetensors")
		f, err := safetensors.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var ts []safetensors.Tensor
		for _, n := range f.Names() {
			v, _ := f.Float32(n)
			info, _ := f.Info(n)
			if n == "model.layers.1.mlp.up_proj.weight" {
				v[3] = float32(math.NaN())
			}
			if dt == safetensors.BF16 { // the converting path
				ts = append(ts, safetensors.BF16Tensor(n, info.Shape, v))
			} else { // the zero-copy path
				ts = append(ts, safetensors.F32Tensor(n, info.Shape, v))
			}
		}
		f.Close()
		if err := safetensors.Write(p, ts, nil); err != nil {
			t.Fatal(err)
		}
		_, err = Load(dir, b)
		if err == nil || !strings.Contains(err.Error(), "model.layers.1.mlp.up_proj.weight") || !strings.Contains(err.Error(), "element 3") {
			t.Errorf("%s: got %v", dt, err)
		}
	}
}
