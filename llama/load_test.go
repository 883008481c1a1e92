// Loading: round trips through F32/F16/BF16 and sharded directories,
// strict config validation, and errors that name file, tensor and shapes.

package llama

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embrec/tensor"
	"embrec/tensor/safetensors"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	b := tensor.NewCPU(1)
	for _, tied := range []bool{false, true} {
		cfg := smallConfig()
		cfg.TiedEmbed = tied
		m, _ := NewRandom(cfg, b, 0.2, 11)
		ids := []int32{1, 7, 3, 9, 22}
		r := m.NewRun(1, len(ids), RunOptions{})
		r.EmbedIDs(ids)
		r.Forward(nil)
		want := host(b, r.Logits(nil))
		for _, tc := range []struct {
			dt    safetensors.DType
			shard int64
			tol   float64
		}{{safetensors.F32, 0, 0}, {safetensors.F32, 20000, 0}, {safetensors.BF16, 30000, 0.2}, {safetensors.F16, 0, 0.02}} {
			dir := t.TempDir()
			if err := m.Save(dir, SaveOptions{DType: tc.dt, ShardSize: tc.shard}); err != nil {
				t.Fatal(err)
			}
			_, err := os.Stat(filepath.Join(dir, "model.safetensors.index.json"))
			if (err == nil) != (tc.shard > 0) {
				t.Errorf("%s shard %d: index present = %v", tc.dt, tc.shard, err == nil)
			}
			m2, err := Load(dir, b)
			if err != nil {
				t.Fatal(err)
			}
			r2 := m2.NewRun(1, len(ids), RunOptions{})
			r2.EmbedIDs(ids)
			r2.Forward(nil)
			if d, _ := maxAbsDiff(host(b, r2.Logits(nil)), want); d > tc.tol {
				t.Errorf("tied %v %s shard %d: logits differ by %g", tied, tc.dt, tc.shard, d)
			}
			if err := m2.MakeWritable(); err != nil {
				t.Fatal(err)
			}
			r2.Forward(nil)
			if d, _ := maxAbsDiff(host(b, r2.Logits(nil)), want); d > tc.tol {
				t.Errorf("after MakeWritable: logits differ by %g", d)
			}
		}
	}
}

func TestConfigErrors(t *testing.T) {
	base := `"hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 5, "num_attention_heads": 8, "vocab_size": 512`
	cases := []struct{ json, field string }{
		{`{` + base + `, "hidden_act": "gelu"}`, "hidden_act"},
		{`{` + base + `, "num_key_value_heads": 3}`, "num_key_value_heads"},
		{`{` + base + `, "rope_scaling": {"type": "linear", "factor": 2}}`, "rope_scaling"},
		{`{` + base + `, "frobnicate": 1}`, "frobnicate"},
		{`{"hidden_size": 64}`, "intermediate_size"},
		{`{` + base + `, "head_dim": 16}`, "head_dim"},
		{`{` + base + `, "rms_norm_eps": -1}`, "rms_norm_eps"},
		{`{` + base + `, "eos_token_id": 600}`, "eos_token_id"},
		{`{` + base + `, "model_type": "mistral"}`, "model_type"},
		{`{"hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 5, "num_attention_heads": 7, "vocab_size": 512}`, "num_attention_heads"},
	}
	for _, c := range cases {
		_, err := ParseConfig("dir/config.json", []byte(c.json))
		if err == nil || !strings.Contains(err.Error(), "dir/config.json") || !strings.Contains(err.Error(), `"`+c.field+`"`) {
			t.Errorf("%s: error %v, want one naming dir/config.json and %q", c.json, err, c.field)
		}
	}
	c, err := ParseConfig("x", []byte(`{`+base+`, "pad_token_id": 0, "use_cache": true}`))
	if err != nil || c.KVHeads != 8 || c.HeadSize != 8 || !c.TiedEmbed || c.NormEps != 1e-6 {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	if _, err := LoadConfig(sharedPath(t, "models/openllama-3b-config/config.json")); err != nil {
		t.Errorf("OpenLLaMA-3B config: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	b := tensor.NewCPU(1)
	cfg := smallConfig()
	m, _ := NewRandom(cfg, b, 0.2, 1)
	dir := t.TempDir()
	if err := m.Save(dir, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	// A config that disagrees with the weights: the shape error names all.
	bad := cfg
	bad.Intermediate = 81
	os.WriteFile(filepath.Join(dir, "config.json"), bad.JSON(), 0o644)
	_, err := Load(dir, b)
	for _, want := range []string{"model.safetensors", "model.layers.0.mlp.gate_proj.weight", "[80 48]", "[81 48]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("shape mismatch error %v, want it to contain %q", err, want)
		}
	}
	// A missing tensor: write the weights of a tied model under an untied config.
	tied := cfg
	tied.TiedEmbed = true
	m2, _ := NewRandom(tied, b, 0.2, 1)
	m2.Save(dir, SaveOptions{})
	os.WriteFile(filepath.Join(dir, "config.json"), cfg.JSON(), 0o644)
	if _, err := Load(dir, b); err == nil || !strings.Contains(err.Error(), `"lm_head.weight"`) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing tensor error: %v", err)
	}
	os.Remove(filepath.Join(dir, "model.safetensors"))
	if _, err := Load(dir, b); err == nil || !strings.Contains(err.Error(), "model.safetensors.index.json") {
		t.Errorf("no weights error: %v", err)
	}
}
