// Reads the real stories260K checkpoint in HF layout from ../shared (never
// copied into the repository); skipped when it is absent.

package safetensors

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"embrec/internal/shared"
)

// sharedPath returns ../shared/rel, or skips the
// test when it is absent.
func sharedPath(t testing.TB, rel string) string { return shared.Need(t, rel) }

func TestStories260K(t *testing.T) {
	path := sharedPath(t, "models/stories260K-hf/model.safetensors")
	f := mustOpen(t, path)
	names := f.Names()
	if len(names) != 48 { // embed + lm_head + norm + 5 layers * 9
		t.Errorf("%d tensors, want 48", len(names))
	}
	want := map[string][]int{
		"model.embed_tokens.weight":                      {512, 64},
		"lm_head.weight":                                 {512, 64},
		"model.norm.weight":                              {64},
		"model.layers.0.self_attn.q_proj.weight":         {64, 64},
		"model.layers.0.self_attn.k_proj.weight":         {32, 64},
		"model.layers.4.self_attn.v_proj.weight":         {32, 64},
		"model.layers.4.mlp.gate_proj.weight":            {172, 64},
		"model.layers.2.mlp.down_proj.weight":            {64, 172},
		"model.layers.3.post_attention_layernorm.weight": {64},
	}
	for name, shape := range want {
		info, ok := f.Info(name)
		if !ok {
			t.Errorf("missing %s", name)
			continue
		}
		if info.DType != F32 || !slices.Equal(info.Shape, shape) {
			t.Errorf("%s: %s %v, want F32 %v", name, info.DType, info.Shape, shape)
		}
	}
	if f.Metadata()["format"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata())
	}
	emb, err := f.Float32("model.embed_tokens.weight")
	if err != nil {
		t.Fatal(err)
	}
	// First values, as printed by Python's struct.unpack('<4f', ...).
	head := []float64{-0.29474878311157227, 0.5618956089019775, 0.1754225343465805, 0.34057360887527466}
	for i, v := range head {
		if emb[i] != float32(v) {
			t.Errorf("embed[%d] = %v, want %v", i, emb[i], v)
		}
	}

	// Rewrite it as BF16 and as F32 with the streaming writer; read both back.
	dir := t.TempDir()
	for _, dt := range []DType{F32, BF16} {
		specs := make([]Spec, len(names))
		for i, n := range names {
			info, _ := f.Info(n)
			specs[i] = Spec{Name: n, DType: dt, Shape: info.Shape}
		}
		out := filepath.Join(dir, string(dt)+".safetensors")
		w, err := Create(out, specs, f.Metadata())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			v, err := f.Float32(n)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WriteFloat32(n, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		g := mustOpen(t, out)
		if !slices.Equal(g.Names(), names) {
			t.Fatalf("%s copy has names %v", dt, g.Names())
		}
		for _, n := range names {
			a, _ := f.Float32(n)
			b, err := g.Float32(n)
			if err != nil {
				t.Fatal(err)
			}
			for i := range a {
				tol := float32(0)
				if dt == BF16 {
					tol = float32(math.Abs(float64(a[i]))) / 256 // half an ulp of an 8-bit significand
				}
				if d := a[i] - b[i]; d > tol || d < -tol {
					t.Fatalf("%s copy of %s[%d] = %v, want %v ± %v", dt, n, i, b[i], a[i], tol)
				}
			}
		}
	}
}
