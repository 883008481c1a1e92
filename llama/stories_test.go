// External truth: the real stories260K checkpoint (llama2.c, converted by
// ConvertLlama2C, and the HF-layout copy in ../shared) reproduces
// llama2.c's greedy sequence exactly and its logits to 1e-4.

package llama

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"embrec/tensor"
)

func storiesRefs(t *testing.T) (ids []int32, logits []float32) {
	dir := sharedPath(t, "models/stories260K")
	data, err := os.ReadFile(filepath.Join(dir, "stories260K_greedy_ids.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		IDs []int32 `json:"ids"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	ids = ref.IDs
	if len(ids) != 257 { // BOS and 256 greedy tokens
		t.Fatalf("%d reference ids, want 257", len(ids))
	}
	raw, err := os.ReadFile(filepath.Join(dir, "stories260K_logits_first32.f32"))
	if err != nil {
		t.Fatal(err)
	}
	logits = make([]float32, len(raw)/4)
	for i := range logits {
		logits[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return ids, logits
}

// storiesModels yields the converted and the HF-layout model.
func storiesModels(t *testing.T) map[string]string {
	src := sharedPath(t, "models/stories260K")
	hf := sharedPath(t, "models/stories260K-hf")
	out := filepath.Join(t.TempDir(), "converted")
	if err := ConvertLlama2C(filepath.Join(src, "stories260K.bin"), filepath.Join(src, "tok512.model"), out); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"convert": out, "hf": hf}
}

func TestStories260K(t *testing.T) {
	ids, refLogits := storiesRefs(t)
	const V = 512
	for name, dir := range storiesModels(t) {
		t.Run(name, func(t *testing.T) {
			b := tensor.NewCPU(0)
			m, err := Load(dir, b)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			// Greedy decoding with the KV cache, logits of every position.
			got := make([]float32, 32*V)
			gen, err := m.Generate([][]int32{ids[:1]}, SampleOptions{MaxTokens: len(ids) - 1,
				OnLogits: func(_, pos int, lg []float32) {
					if pos < 32 {
						copy(got[pos*V:], lg)
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range gen[0] {
				if id != ids[i+1] {
					t.Fatalf("greedy token %d: got %d, want %d (sequence so far %v)", i+1, id, ids[i+1], gen[0][:i+1])
				}
			}
			d, at := maxAbsDiff(got, refLogits)
			t.Logf("%s: 256 greedy tokens equal; decoder logits max |diff| %.2g", name, d)
			if d > 1e-4 {
				t.Errorf("decoder logits: max |diff| %.3g at position %d token %d, want <= 1e-4", d, at/V, at%V)
			}
			// The training forward over the whole sequence, all rows.
			r := m.NewRun(1, len(ids), RunOptions{})
			r.EmbedIDs(ids)
			r.Forward(nil)
			lg := host(b, r.Logits(nil))
			d, at = maxAbsDiff(lg[:32*V], refLogits)
			t.Logf("%s: Run logits max |diff| %.2g", name, d)
			if d > 1e-4 {
				t.Errorf("Run logits: max |diff| %.3g at position %d token %d, want <= 1e-4", d, at/V, at%V)
			}
			for p := 0; p < len(ids)-1; p++ {
				if a := Argmax(lg[p*V : (p+1)*V]); a != ids[p+1] {
					t.Fatalf("Run argmax at %d: %d, want %d", p, a, ids[p+1])
				}
			}
		})
	}
}
