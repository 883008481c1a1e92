// Run integrity end to end through the CLI: a diverging run stops with a
// non-zero exit and keeps its last good checkpoint, a run directory has one
// writer and is never silently reused, bad flags fail before anything is
// written, and sizes are checked before they are allocated.

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"embrec/internal/finite"
	"embrec/llama"
	"embrec/tensor"
	"embrec/tensor/safetensors"
	"embrec/train"
	"embrec/train/data"
)

const tinyData = "synth:seed=2,users=60,items=30,clusters=3,minlen=5,maxlen=8"

// tinyTrain is a fast train command line into dir.
func tinyTrain(dir string, extra ...string) []string {
	return append([]string{"train", "--data", tinyData, "--init", "random", "--config", "tiny",
		"--stage1-steps", "2", "--steps", "4", "--batch", "4", "--save-every", "2", "--out", dir}, extra...)
}

// run runs the CLI and returns its exit code and stderr.
func run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var errb strings.Builder
	rc := runMain(args, io.Discard, &errb)
	return rc, errb.String()
}

// checkpointFinite fails unless path holds only finite values.
func checkpointFinite(t *testing.T, path string) {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, n := range f.Names() {
		v, err := f.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		if i := finite.Index(v); i >= 0 {
			t.Fatalf("%s: tensor %s element %d is %v", path, n, i, v[i])
		}
	}
}

// metricsLines returns the (stage, step) of every metrics.jsonl line and
// fails on a line that is not JSON.
func metricsLines(t *testing.T, dir string) [][2]int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]int
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var m struct {
			Stage, Step int
			Loss        float64
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		out = append(out, [2]int{m.Stage, m.Step})
	}
	return out
}

// Defect 1: lr 1e3 and weight decay 1e6 make the loss NaN; the run must
// stop with a non-zero exit, name the step and the flag, keep a finite
// checkpoint and write diverged.json.
func TestDivergenceStopsRun(t *testing.T) {
	for _, c := range []struct {
		name, flag string
		args       []string
	}{
		{"lr", "--lr", []string{"--stage1-steps", "2", "--steps", "40", "--save-every", "2", "--lr", "1e3"}},
		{"weight-decay", "--weight-decay", []string{"--stage1-steps", "30", "--steps", "2", "--save-every", "1", "--weight-decay", "1e6"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			rc, stderr := run(t, tinyTrain(dir, c.args...)...)
			if rc == 0 {
				t.Fatalf("a diverging run exited 0")
			}
			if !strings.Contains(stderr, "diverged") || !strings.Contains(stderr, "step") || !strings.Contains(stderr, c.flag) {
				t.Errorf("message does not name the divergence, step and %s: %s", c.flag, stderr)
			}
			js, err := os.ReadFile(filepath.Join(dir, train.DivergedFile))
			if err != nil {
				t.Fatalf("no %s: %v", train.DivergedFile, err)
			}
			var d struct{ Stage, Step int }
			if err := json.Unmarshal(js, &d); err != nil || d.Step < 1 {
				t.Errorf("%s: %s (%v)", train.DivergedFile, js, err)
			}
			if ck := filepath.Join(dir, train.CheckpointFile); fileExists(ck) {
				checkpointFinite(t, ck)
			}
			for _, l := range metricsLines(t, dir) {
				if l[1] >= d.Step && l[0] == d.Stage {
					t.Errorf("metrics.jsonl logs step %v, at or after the diverged step %d", l, d.Step)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "adapter")); err == nil {
				t.Error("a diverged run wrote its adapter")
			}
		})
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Defect 1: metrics.jsonl write errors are errors (here the log is
// /dev/full; the run is resumed for two more steps).
func TestMetricsWriteErrorFails(t *testing.T) {
	if !fileExists("/dev/full") {
		t.Skip("no /dev/full")
	}
	dir := filepath.Join(t.TempDir(), "run")
	if rc, stderr := run(t, tinyTrain(dir)...); rc != 0 {
		t.Fatalf("train: %s", stderr)
	}
	spec, err := train.LoadSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	spec.Stage2.Steps = 6
	if err := train.SaveSpec(dir, spec); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, train.MetricsFile)
	os.Remove(m)
	if err := os.Symlink("/dev/full", m); err != nil {
		t.Skip(err)
	}
	rc, stderr := run(t, "train", "--out", dir, "--resume")
	if rc == 0 || !strings.Contains(stderr, "metrics.jsonl") {
		t.Fatalf("resume with an unwritable metrics log: exit %d, %s", rc, stderr)
	}
}

// Defect 2: one writer per run directory, and no silent reuse.
func TestRunDirectoryLockAndOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	unlock, err := train.LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	rc, stderr := run(t, tinyTrain(dir)...)
	unlock()
	if rc == 0 || !strings.Contains(stderr, "in use") {
		t.Fatalf("train into a locked run directory: exit %d, %s", rc, stderr)
	}
	if rc, stderr := run(t, tinyTrain(dir)...); rc != 0 {
		t.Fatalf("train: %s", stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, train.CheckpointFile))
	rc, stderr = run(t, tinyTrain(dir, "--seed", "7")...)
	if rc == 0 || !strings.Contains(stderr, "--overwrite") {
		t.Fatalf("fresh train into a used run directory: exit %d, %s", rc, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(dir, train.CheckpointFile))
	if string(before) != string(after) {
		t.Fatal("the refused run changed the checkpoint")
	}
	if rc, stderr := run(t, tinyTrain(dir, "--seed", "7", "--overwrite")...); rc != 0 {
		t.Fatalf("train --overwrite: %s", stderr)
	}
	if n := len(metricsLines(t, dir)); n != 6 {
		t.Errorf("after --overwrite metrics.jsonl has %d lines, want 2 + 4 (the old run's were kept?)", n)
	}
	spec, _ := train.LoadSpec(dir)
	if spec.Seed != 7 {
		t.Errorf("run.json seed %d after --overwrite, want 7", spec.Seed)
	}
}

// Defect 6: a resumed run does not repeat metrics lines, and the
// temporary files of a killed write are removed.
func TestResumeTrimsMetricsAndTemps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if rc, stderr := run(t, tinyTrain(dir, "--steps", "3")...); rc != 0 {
		t.Fatalf("train: %s", stderr)
	}
	// As if killed after step 3 of stage 2 was logged but before the next
	// checkpoint: the checkpoint says step 2.
	spec, _ := train.LoadSpec(dir)
	spec.Stage2.Steps = 5
	train.SaveSpec(dir, spec)
	ck := filepath.Join(dir, train.CheckpointFile)
	if _, step, err := train.CheckpointPosition(ck); err != nil || step != 3 {
		t.Fatalf("checkpoint step %d (%v)", step, err)
	}
	mf, _ := os.OpenFile(filepath.Join(dir, train.MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
	mf.WriteString(`{"stage":2,"step":4,"loss":1}` + "\n" + `{"stage":2,"st`)
	mf.Close()
	tmp := filepath.Join(dir, ".checkpoint.safetensors.tmp123")
	os.WriteFile(tmp, []byte("partial"), 0o644)
	if rc, stderr := run(t, "train", "--out", dir, "--resume"); rc != 0 {
		t.Fatalf("resume: %s", stderr)
	}
	if fileExists(tmp) {
		t.Error("the stale temporary file is still there")
	}
	got := metricsLines(t, dir)
	want := [][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}, {2, 3}, {2, 4}, {2, 5}}
	if len(got) != len(want) {
		t.Fatalf("metrics steps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("metrics steps %v, want %v", got, want)
		}
	}
}

// Defect 5: every bad flag fails before anything is written, naming the flag.
func TestTrainFlagsValidatedFirst(t *testing.T) {
	for _, c := range []struct {
		flag string
		args []string
	}{
		{"--lr", []string{"--lr", "NaN"}},
		{"--lr", []string{"--lr", "-1"}},
		{"--lr", []string{"--lr", "+Inf"}},
		{"--clip", []string{"--clip", "-1"}},
		{"--warmup", []string{"--warmup", "-1"}},
		{"--stage1-steps", []string{"--stage1-steps", "-1"}},
		{"--steps", []string{"--steps", "-1"}},
		{"--batch", []string{"--batch", "0"}},
		{"--tasks", []string{"--tasks", "bogus"}},
		{"--lora-rank", []string{"--lora-rank", "-1"}},
		{"--proj-hidden", []string{"--proj-hidden", "-1"}},
		{"--save-every", []string{"--save-every", "0"}},
		{"--weight-decay", []string{"--weight-decay", "NaN"}},
		{"--lora-dropout", []string{"--lora-dropout", "1.5"}},
		{"--wals-reg", []string{"--wals-reg", "NaN"}},
		{"--model", []string{"--model", "somewhere"}},
		{"--mode", []string{"--mode", "bogus"}},
		{"--config", []string{"--config", "huge"}},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		rc, stderr := run(t, tinyTrain(dir, c.args...)...)
		if rc == 0 || !strings.Contains(stderr, c.flag) {
			t.Errorf("%v: exit %d, message %q does not name %s", c.args, rc, stderr, c.flag)
		}
		if fileExists(dir) {
			t.Errorf("%v: the run directory was created", c.args)
		}
	}
}

// Defect 5: the other commands check their flags too.
func TestOtherFlagsValidated(t *testing.T) {
	for _, c := range []struct {
		flag string
		args []string
	}{
		{"--temperature", []string{"generate", "--model", "x", "--ids", "1", "--temperature", "NaN"}},
		{"--top-p", []string{"generate", "--model", "x", "--ids", "1", "--top-p", "Inf"}},
		{"--reg", []string{"wals", "--data", tinyData, "--reg", "NaN"}},
		{"--factors", []string{"wals", "--data", tinyData, "--factors", "100000000"}},
		{"-k", []string{"recommend", "--run", "x", "--user", "u1", "-k", "0"}},
		{"-k", []string{"recommend", "--run", "x", "--user", "u1", "-k", "1000000000"}},
		{"--beams", []string{"eval", "--run", "x", "--beams", "0"}},
		{"--split", []string{"eval", "--run", "x", "--split", "train"}},
	} {
		rc, stderr := run(t, c.args...)
		if rc == 0 || !strings.Contains(stderr, strings.TrimLeft(c.flag, "-")) {
			t.Errorf("%v: exit %d, message %q does not name %s", c.args, rc, stderr, c.flag)
		}
	}
}

// synthDataset writes a small synthetic dataset as dir/name/user_sequence.txt.
func synthDataset(t *testing.T, dir, name string, seed string) string {
	t.Helper()
	p := filepath.Join(dir, name, "user_sequence.txt")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if rc, stderr := run(t, "data", "synth", "--out", p, "--users", "60", "--items", "30", "--min-len", "5", "--max-len", "8", "--seed", seed); rc != 0 {
		t.Fatalf("data synth: %s", stderr)
	}
	return p
}

// Defect 3: the run directory holds its factors and tokenizer, records its
// inputs' hashes, works when moved, and refuses changed inputs.
func TestRunDirectorySelfContained(t *testing.T) {
	root := t.TempDir()
	ds := synthDataset(t, root, "shop", "4")
	dir := filepath.Join(root, "runs", "a")
	if rc, stderr := run(t, "train", "--data", ds, "--init", "random", "--config", "tiny", "--stage1-steps", "2",
		"--steps", "2", "--batch", "4", "--out", dir); rc != 0 {
		t.Fatalf("train: %s", stderr)
	}
	for _, f := range []string{train.FactorsFile, train.TokenizerFile} {
		if !fileExists(filepath.Join(dir, f)) {
			t.Errorf("run directory lacks %s", f)
		}
	}
	js, _ := os.ReadFile(filepath.Join(dir, train.SpecFile))
	var raw struct {
		Data, Factors, Tokenizer string
		Inputs                   []train.Input
	}
	json.Unmarshal(js, &raw)
	if !filepath.IsAbs(raw.Data) || raw.Factors != train.FactorsFile || raw.Tokenizer != train.TokenizerFile {
		t.Errorf("run.json paths: data %q, factors %q, tokenizer %q", raw.Data, raw.Factors, raw.Tokenizer)
	}
	roles := map[string]bool{}
	for _, in := range raw.Inputs {
		roles[in.Role] = len(in.SHA256) == 64 && in.Size > 0
	}
	if !roles["data"] || !roles["factors"] || !roles["tokenizer"] {
		t.Errorf("run.json inputs %+v", raw.Inputs)
	}
	evalArgs := func(d string, extra ...string) []string {
		return append([]string{"eval", "--run", d, "--users", "5", "--beams", "4"}, extra...)
	}
	// Moved as a folder, evaluated from another working directory.
	moved := filepath.Join(root, "elsewhere")
	if err := os.Rename(filepath.Join(root, "runs"), moved); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	dir = filepath.Join("elsewhere", "a")
	if rc, stderr := run(t, evalArgs(dir)...); rc != 0 {
		t.Fatalf("eval of a moved run: %s", stderr)
	}
	// The dataset edited in place: two items of the first user swapped.
	b, _ := os.ReadFile(ds)
	first, rest, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(first)
	f[1], f[2] = f[2], f[1]
	os.WriteFile(ds, []byte(strings.Join(f, " ")+"\n"+rest), 0o644)
	for _, args := range [][]string{evalArgs(dir), {"train", "--out", dir, "--resume"},
		{"recommend", "--run", dir, "--user", f[0], "-k", "3"}} {
		rc, stderr := run(t, args...)
		if rc == 0 || !strings.Contains(stderr, ds) || !strings.Contains(stderr, "changed") {
			t.Errorf("%v after the dataset changed: exit %d, %s", args[0], rc, stderr)
		}
	}
	if rc, stderr := run(t, evalArgs(dir, "--accept-changed-inputs")...); rc != 0 {
		t.Errorf("eval --accept-changed-inputs: %s", stderr)
	}
	// The run's own factor file refitted: refused too.
	other := synthDataset(t, root, "other", "9")
	if rc, stderr := run(t, "wals", "--data", other, "--factors", "4", "--iters", "1", "--eval-every", "0", "--out", filepath.Join(dir, train.FactorsFile)); rc != 0 {
		t.Fatalf("wals: %s", stderr)
	}
	if rc, stderr := run(t, evalArgs(dir, "--accept-changed-inputs")...); rc == 0 {
		t.Errorf("eval with another dataset's factors succeeded")
	} else if !strings.Contains(stderr, train.FactorsFile) {
		t.Errorf("error does not name the factor file: %s", stderr)
	}
}

// Defect 3: train --factors refuses a factor file fitted on another dataset.
func TestTrainRefusesOtherDatasetFactors(t *testing.T) {
	root := t.TempDir()
	ds := synthDataset(t, root, "shop", "4")
	wf := filepath.Join(root, "f.safetensors")
	if rc, stderr := run(t, "wals", "--data", ds, "--factors", "4", "--iters", "1", "--eval-every", "0", "--out", wf); rc != 0 {
		t.Fatalf("wals: %s", stderr)
	}
	// Same users and items, other interactions: only the hash tells.
	b, _ := os.ReadFile(ds)
	first, rest, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(first)
	f[1], f[2] = f[2], f[1]
	edited := filepath.Join(root, "shop2", "user_sequence.txt")
	os.MkdirAll(filepath.Dir(edited), 0o755)
	os.WriteFile(edited, []byte(strings.Join(f, " ")+"\n"+rest), 0o644)
	rc, stderr := run(t, "train", "--data", edited, "--factors", wf, "--init", "random", "--config", "tiny",
		"--stage1-steps", "1", "--steps", "1", "--batch", "4", "--out", filepath.Join(root, "run"))
	if rc == 0 || !strings.Contains(stderr, wf) || !strings.Contains(stderr, "another") {
		t.Fatalf("train with another dataset's factors: exit %d, %s", rc, stderr)
	}
}

func TestTrainStoppedBySIGTERM(t *testing.T) {
	err := trainStopped(context.Canceled, t.TempDir(), train.TrainConfig{}, train.TrainConfig{}, &signalCause{syscall.SIGTERM})
	if exitCode(err) != exitTerminate {
		t.Fatalf("exit code %d for SIGTERM (%v)", exitCode(err), err)
	}
	if exitCode(errors.New("x")) != exitFailure {
		t.Fatal("plain errors exit 1")
	}
}

// Defect 4: a batch that does not fit in memory is refused before the run
// directory is written.
func TestTrainBatchMemoryPlan(t *testing.T) {
	t.Setenv("EMBREC_MEM_LIMIT", "200000000")
	dir := filepath.Join(t.TempDir(), "run")
	rc, stderr := run(t, tinyTrain(dir, "--batch", "100000")...)
	if rc == 0 || !strings.Contains(stderr, "batch 100000") || !strings.Contains(stderr, "memory") {
		t.Fatalf("train --batch 100000: exit %d, %s", rc, stderr)
	}
	if fileExists(filepath.Join(dir, train.SpecFile)) {
		t.Error("run.json written before the batch was refused")
	}
}

// Defect 3 with a pretrained backbone: the model's files are recorded, its
// tokenizer is copied into the run, and a changed weight file is refused.
func TestRunDirectoryRecordsModel(t *testing.T) {
	root := t.TempDir()
	ds := synthDataset(t, root, "shop", "4")
	d, _, err := data.Load(ds, data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tokBytes, tok, err := train.TemplateTokenizer(data.DefaultTemplates(), d.Name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := train.SmallConfig("tiny", tok.VocabSize(), 256, tok.BOS(), tok.EOS())
	if err != nil {
		t.Fatal(err)
	}
	m, err := llama.NewRandom(cfg, tensor.NewCPU(1), llama.DefaultStd, 3)
	if err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(root, "model")
	if err := m.Save(md, llama.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(md, "tokenizer.model"), tokBytes, 0o644)
	dir := filepath.Join(root, "run")
	if rc, stderr := run(t, "train", "--data", ds, "--model", md, "--stage1-steps", "1", "--steps", "1",
		"--batch", "4", "--out", dir); rc != 0 {
		t.Fatalf("train --model: %s", stderr)
	}
	spec, err := train.LoadSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	models := 0
	for _, in := range spec.Inputs {
		if in.Role == train.RoleModel {
			models++
		}
	}
	if models != 2 || spec.Tokenizer != filepath.Join(dir, train.TokenizerFile) {
		t.Errorf("inputs %+v, tokenizer %q", spec.Inputs, spec.Tokenizer)
	}
	// The model's own tokenizer replaced: the run keeps its copy.
	os.WriteFile(filepath.Join(md, "tokenizer.model"), []byte("junk"), 0o644)
	if rc, stderr := run(t, "eval", "--run", dir, "--users", "3", "--beams", "3"); rc != 0 {
		t.Errorf("eval after the model's tokenizer changed: %s", stderr)
	}
	// One weight changed: refused, naming the file.
	w := filepath.Join(md, "model.safetensors")
	b, _ := os.ReadFile(w)
	b[len(b)-1] ^= 1
	os.WriteFile(w, b, 0o644)
	if rc, stderr := run(t, "eval", "--run", dir, "--users", "3", "--beams", "3"); rc == 0 || !strings.Contains(stderr, w) {
		t.Errorf("eval after a weight changed: exit %d, %s", rc, stderr)
	}
}

// Run directories written before run.json format 2 (no inputs, the
// tokenizer implied) still evaluate and resume.
func TestFormat0RunStillLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if rc, stderr := run(t, tinyTrain(dir)...); rc != 0 {
		t.Fatalf("train: %s", stderr)
	}
	p := filepath.Join(dir, train.SpecFile)
	b, _ := os.ReadFile(p)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "format")
	delete(m, "inputs")
	m["tokenizer"], m["factors"] = "", ""
	b, _ = json.Marshal(m)
	os.WriteFile(p, b, 0o644)
	if rc, stderr := run(t, "eval", "--run", dir, "--users", "3", "--beams", "3"); rc != 0 {
		t.Fatalf("eval of a format-0 run: %s", stderr)
	}
	if rc, stderr := run(t, "train", "--out", dir, "--resume"); rc != 0 {
		t.Fatalf("resume of a format-0 run: %s", stderr)
	}
}
