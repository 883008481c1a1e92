// Fuzzing the run directory's files: arbitrary bytes as run.json or as a
// checkpoint give a spec / loaded weights or an error naming the file,
// never a panic; a checkpoint that loads holds only finite values.
// Checkpoint inputs are kilobytes: run it with a short minimisation, e.g.
//
//	go test ./train -run '^$' -fuzz '^FuzzLoadCheckpoint$' -fuzztime 30s -fuzzminimizetime 2s

package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embrec/internal/finite"
	"embrec/llama"
	"embrec/lora"
	"embrec/tensor"
)

func FuzzLoadSpec(f *testing.F) {
	f.Add([]byte(`{"data": "synth", "init": "random", "config": "tiny", "mode": "embed"}`))
	f.Add([]byte(`{"format": 2, "data": "/nowhere/user_sequence.txt", "tokenizer": "tokenizer.model", "factors": "factors.safetensors",
		"inputs": [{"role": "data", "path": "/nowhere/user_sequence.txt", "rel": "../../x/user_sequence.txt", "size": 10, "sha256": "00"},
		{"role": "model", "path": "/m/model.safetensors", "rel": "../m/model.safetensors", "size": 1, "sha256": "ab"}], "model": "/m"}`))
	f.Add([]byte(`{"format": 3}`))
	f.Add([]byte(`{"stage1": {"Stage": 1, "Steps": -1, "LR": 1e400}}`))
	f.Add([]byte(`{"lora": {"rank": -4}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"data": 5}`))
	f.Fuzz(func(t *testing.T, js []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, SpecFile), js, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := LoadSpec(dir)
		if err != nil {
			if !strings.Contains(err.Error(), SpecFile) {
				t.Fatalf("error does not name run.json: %v", err)
			}
			return
		}
		if s.Format >= 2 && s.Factors != "" && !filepath.IsAbs(s.Factors) && !strings.HasPrefix(s.Factors, dir) {
			t.Fatalf("the run's own factor path %q is not resolved against the run directory", s.Factors)
		}
	})
}

func FuzzLoadCheckpoint(f *testing.F) {
	// A small checkpoint (narrow projectors, rank-1 LoRA on one
	// projection) keeps the fuzzer's executions fast.
	s := newTinySetup(f)
	llm, err := llama.NewRandom(s.cfg, tensor.NewCPU(1), llama.DefaultStd, 11)
	if err != nil {
		f.Fatal(err)
	}
	r, err := NewRecommender(llm, s.enc, s.f, Options{Mode: Embeddings, ProjHidden: 2, Seed: 5,
		LoRA: &lora.Config{Rank: 1, Alpha: 1, Targets: []string{"q_proj"}}})
	if err != nil {
		f.Fatal(err)
	}
	r.AttachAdapters(true)
	tr := s.trainer(f, r, 1)
	dir := f.TempDir()
	ck := filepath.Join(dir, CheckpointFile)
	if err := tr.SaveCheckpoint(ck); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(ck)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:200])
	hdr := string(good)
	f.Add([]byte(strings.Replace(hdr, CheckpointFormat, "embrec-checkpoint/9", 1)))
	f.Add([]byte(strings.Replace(hdr, `\"Stage\":2`, `\"Stage\":7`, 1)))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, buf []byte) {
		p := filepath.Join(t.TempDir(), CheckpointFile)
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.LoadCheckpoint(p, true); err != nil {
			if !strings.Contains(err.Error(), "checkpoint") && !strings.Contains(err.Error(), p) {
				t.Fatalf("error names neither the file nor a checkpoint: %v", err)
			}
			return
		}
		for name, g := range r.namedGroups() {
			for _, pt := range g.parts(true) {
				host := make([]float32, pt.t.Len())
				r.b.Download(host, pt.t)
				if i := finite.Index(host); i >= 0 {
					t.Fatalf("%s.%s[%d] = %v after a successful load", name, pt.suffix, i, host[i])
				}
			}
		}
	})
}
