// The divergence guard, checkpoints that refuse non-finite values, the
// run-directory lock, the memory plan of a batch and the metrics trim of a
// resumed run.

package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embrec/tensor"
	"embrec/tensor/safetensors"
)

func TestDivergedStepIsNotApplied(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	tr := s.trainer(t, r, 20)
	dir := t.TempDir()
	ck := filepath.Join(dir, CheckpointFile)
	if err := tr.Run(context.Background(), 2, func() error { return tr.SaveCheckpoint(ck) }, nil); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(ck)
	// Poison one projector weight: the next step's loss is NaN.
	w := host(r, r.Proj)
	before := append([]float32(nil), w...)
	w[0] = float32(math.NaN())
	r.b.Upload(r.Proj.W, w)
	before[0] = w[0]
	tr.Cfg.Steps = 30
	err := tr.Run(context.Background(), 1, func() error { return tr.SaveCheckpoint(ck) }, func(StepStats) {
		t.Error("onStep called for a diverged step")
	})
	d, ok := AsDiverged(err)
	if !ok || d.Step != 21 || d.Stage != 2 || !math.IsNaN(d.Loss) {
		t.Fatalf("got %v", err)
	}
	if tr.Step != 20 {
		t.Errorf("step count %d after the diverged step, want 20", tr.Step)
	}
	after := host(r, r.Proj)
	for i := 1; i < len(after); i++ {
		if after[i] != before[i] {
			t.Fatalf("the diverged step changed weight %d", i)
		}
	}
	if now, _ := os.ReadFile(ck); string(now) != string(good) {
		t.Error("the checkpoint changed")
	}
	// Saving non-finite weights is refused and leaves the file alone.
	err = tr.SaveCheckpoint(ck)
	d, ok = AsDiverged(err)
	if !ok || d.Tensor != "proj.weight" || d.Index != 0 {
		t.Fatalf("SaveCheckpoint of NaN weights: %v", err)
	}
	if now, _ := os.ReadFile(ck); string(now) != string(good) {
		t.Error("the refused save changed the checkpoint")
	}
	if err := WriteDiverged(dir, d, "lower --lr"); err != nil {
		t.Fatal(err)
	}
	js, _ := os.ReadFile(filepath.Join(dir, DivergedFile))
	if !strings.Contains(string(js), `"proj.weight"`) || !strings.Contains(string(js), "lower --lr") {
		t.Errorf("%s: %s", DivergedFile, js)
	}
}

func TestLoadCheckpointRefusesNonFinite(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	tr := s.trainer(t, r, 1)
	ck := filepath.Join(t.TempDir(), CheckpointFile)
	// A checkpoint written by an older build, with an infinite moment.
	m := make([]float32, r.LoRA.M.Len())
	m[7] = float32(math.Inf(1))
	r.b.Upload(r.LoRA.M, m)
	if err := tr.SaveCheckpoint(ck); err == nil {
		t.Fatal("saved an infinite AdamW moment")
	}
	r.b.Upload(r.LoRA.M, make([]float32, len(m)))
	if err := tr.SaveCheckpoint(ck); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.LoadCheckpoint(ck, true); err != nil {
		t.Fatal(err)
	}
	// The same file with one NaN weight, as another tool might write it.
	f, err := safetensors.Open(ck)
	if err != nil {
		t.Fatal(err)
	}
	var ts []safetensors.Tensor
	for _, n := range f.Names() {
		v, _ := f.Float32(n)
		if n == "lora.weight" {
			v[2] = float32(math.NaN())
		}
		ts = append(ts, safetensors.F32Tensor(n, []int{len(v)}, v))
	}
	md := f.Metadata()
	f.Close()
	if err := safetensors.Write(ck, ts, md); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.LoadCheckpoint(ck, false); err == nil || !strings.Contains(err.Error(), `"lora.weight"`) {
		t.Fatalf("LoadCheckpoint of a NaN weight: %v", err)
	}
}

func TestLockRunIsExclusive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	unlock, err := LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockRun(dir)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	unlock2, err := LockRun(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

func TestPrepareFresh(t *testing.T) {
	dir := t.TempDir()
	if err := PrepareFresh(dir, false); err != nil {
		t.Fatalf("empty directory: %v", err)
	}
	os.WriteFile(filepath.Join(dir, SpecFile), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if err := PrepareFresh(dir, false); err == nil || !strings.Contains(err.Error(), SpecFile) {
		t.Fatalf("non-empty directory: %v", err)
	}
	if err := PrepareFresh(dir, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, SpecFile)); err == nil {
		t.Error("--overwrite kept run.json")
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Error("--overwrite removed a file that is not the run's")
	}
}

func TestBatchMemoryPlan(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	c := DefaultTrainConfig()
	c.Batch = 100000
	r.b.(*tensor.CPU).SetMemLimit(1000000000)
	_, err := NewTrainer(r, s.ts, c)
	if err == nil || !strings.Contains(err.Error(), "batch 100000") {
		t.Fatalf("got %v", err)
	}
	c.Batch = 4
	if _, err := NewTrainer(r, s.ts, c); err != nil {
		t.Fatal(err)
	}
}

func TestTrimMetrics(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, MetricsFile)
	os.WriteFile(p, []byte(`{"stage":1,"step":1}
{"stage":1,"step":2}
{"stage":2,"step":1}
{"stage":2,"step":2}
{"stage":2,"step":3}
{"stage":2,"st`), 0o644)
	if err := TrimMetrics(dir, 2, 2); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	want := "{\"stage\":1,\"step\":1}\n{\"stage\":1,\"step\":2}\n{\"stage\":2,\"step\":1}\n{\"stage\":2,\"step\":2}\n"
	if string(got) != want {
		t.Fatalf("got %q", got)
	}
}

// Stage 1 trains (and reports) the projectors only, not the LoRA adapters.
func TestStage1TrainedParams(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	c := DefaultTrainConfig()
	c.Stage, c.Batch = 1, 4
	tr, err := NewTrainer(r, s.ts, c)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tr.TrainedParams(), r.Proj.W.Len(); got != want || got >= r.TrainableParams() {
		t.Errorf("stage 1 trains %d parameters, want the projectors' %d (all groups: %d)", got, want, r.TrainableParams())
	}
}
