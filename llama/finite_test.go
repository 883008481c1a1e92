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

// Generate with no new tokens still reports the prompt's logits, and
// refuses a NaN temperature instead of sampling the last token forever.
func TestGeneratePromptLogitsAndBadTemperature(t *testing.T) {
	b := tensor.NewCPU(1)
	m, _ := NewRandom(smallConfig(), b, 0.2, 11)
	positions := 0
	out, err := m.Generate([][]int32{{1, 5, 9}}, SampleOptions{MaxTokens: 0, OnLogits: func(_, pos int, lg []float32) {
		if len(lg) == m.Config.Vocab {
			positions++
		}
	}})
	if err != nil || positions != 3 || len(out[0]) != 0 {
		t.Fatalf("max tokens 0: %d positions reported, out %v, %v", positions, out, err)
	}
	if _, err := m.Generate([][]int32{{1}}, SampleOptions{MaxTokens: 2, Temperature: float32(math.NaN())}); err == nil {
		t.Fatal("NaN temperature accepted")
	}
}
