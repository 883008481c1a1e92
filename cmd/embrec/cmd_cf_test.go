// Tests of the data, wals and eval-cf commands on generated data.

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCF runs one embrec command line with dataOut captured.
func runCF(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	old := dataOut
	dataOut = &out
	defer func() { dataOut = old }()
	rc := runMain(args, &out, &errb)
	return out.String(), errb.String(), rc
}

func synthFile(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "Synth", "user_sequence.txt")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if out, errs, rc := runCF(t, "data", "synth", "--out", p, "--users", "120", "--items", "80"); rc != 0 {
		t.Fatalf("synth: rc %d\n%s%s", rc, out, errs)
	}
	return p
}

func TestDataCommands(t *testing.T) {
	dir := t.TempDir()
	p := synthFile(t, dir)
	out, errs, rc := runCF(t, "data", "stats", "--data", p)
	if rc != 0 || !strings.Contains(out, "users              120") || !strings.Contains(out, "dataset            Synth") {
		t.Fatalf("stats rc %d:\n%s%s", rc, out, errs)
	}
	idx := filepath.Join(dir, "idx")
	if out, errs, rc = runCF(t, "data", "index", "--data", p, "--out", idx); rc != 0 {
		t.Fatalf("index rc %d:\n%s%s", rc, out, errs)
	}
	for _, f := range []string{"user_indexing.txt", "item_sequential_indexing_original.txt", "user_sequence_sequential_indexing_original.txt"} {
		if _, err := os.Stat(filepath.Join(idx, f)); err != nil {
			t.Error(err)
		}
	}
	if _, _, rc = runCF(t, "data", "index", "--data", p, "--out", idx, "--indexing", "random", "--seed", "3"); rc != 0 {
		t.Fatal("random index")
	}
	if _, err := os.Stat(filepath.Join(idx, "item_random_indexing.txt")); err != nil {
		t.Error(err)
	}
	jl := filepath.Join(dir, "s.jsonl")
	if out, errs, rc = runCF(t, "data", "samples", "--data", p, "--split", "valid", "--prompt", "unseen:0", "--out", jl); rc != 0 {
		t.Fatalf("samples rc %d:\n%s%s", rc, out, errs)
	}
	b, _ := os.ReadFile(jl)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 120 {
		t.Fatalf("%d validation samples, want 120", len(lines))
	}
	var s sampleJSON
	if err := json.Unmarshal([]byte(lines[0]), &s); err != nil {
		t.Fatal(err)
	}
	if s.Split != "valid" || s.Template != "unseen:0" || len(s.History) == 0 || len(s.History) > 10 ||
		!strings.Contains(s.Input, "Synth user_1") || s.Output != "Synth "+s.Target {
		t.Fatalf("%+v", s)
	}
	out, _, rc = runCF(t, "data", "samples", "--data", p, "--task", "straightforward", "--prompt", "all", "--limit", "25")
	if rc != 0 || strings.Count(out, "\n") != 25 || strings.Contains(out, `"history"`) {
		t.Fatalf("straightforward samples rc %d:\n%s", rc, out)
	}
}

func TestDataErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("a x y z\nb x y\n"), 0o644)
	_, errs, rc := runCF(t, "data", "stats", "--data", bad)
	if rc != 1 || !strings.Contains(errs, "bad.txt:2: user \"b\" has 2 items") {
		t.Fatalf("rc %d: %s", rc, errs)
	}
	out, _, rc := runCF(t, "data", "stats", "--data", bad, "--lenient")
	if rc != 0 || !strings.Contains(out, "skipped 1 of 2 lines") || !strings.Contains(out, "bad.txt:2:") {
		t.Fatalf("lenient rc %d: %s", rc, out)
	}
	if _, errs, rc = runCF(t, "data", "frobnicate"); rc != 1 || !strings.Contains(errs, "unknown subcommand") {
		t.Fatalf("rc %d: %s", rc, errs)
	}
	if _, _, rc = runCF(t, "data", "stats", "-h"); rc != 0 {
		t.Fatalf("help rc %d", rc)
	}
}

func TestWALSAndEvalCF(t *testing.T) {
	dir := t.TempDir()
	p := synthFile(t, dir)
	f := filepath.Join(dir, "f.safetensors")
	out, errs, rc := runCF(t, "wals", "--data", p, "--factors", "8", "--iters", "3", "--out", f)
	if rc != 0 || !strings.Contains(out, "wals: wrote") || strings.Count(out, "\n   ") < 3 {
		t.Fatalf("wals rc %d:\n%s%s", rc, out, errs)
	}
	out, errs, rc = runCF(t, "eval-cf", "--data", p, "--factors", f, "--split", "test")
	if rc != 0 {
		t.Fatalf("eval-cf rc %d:\n%s%s", rc, out, errs)
	}
	for _, want := range []string{"HR@5     NDCG@5   HR@10    NDCG@10", "pop ", "mf ", "mf-seq(beta=1,L=10)", "test split"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval-cf output lacks %q:\n%s", want, out)
		}
	}
	if out, _, rc = runCF(t, "wals", "--data", p, "--factors", "8", "--iters", "2", "--repeat", "3"); rc != 0 || !strings.Contains(out, "median") {
		t.Fatalf("repeat rc %d:\n%s", rc, out)
	}
	// Factors of another dataset are refused.
	other := filepath.Join(dir, "Other", "user_sequence.txt")
	os.MkdirAll(filepath.Dir(other), 0o755)
	runCF(t, "data", "synth", "--out", other, "--users", "50", "--items", "60", "--seed", "2")
	if _, errs, rc = runCF(t, "eval-cf", "--data", other, "--factors", f); rc != 1 || !strings.Contains(errs, "another dataset") {
		t.Fatalf("rc %d: %s", rc, errs)
	}
	if _, errs, rc = runCF(t, "eval-cf", "--data", p, "--methods", "mf"); rc != 1 || !strings.Contains(errs, "needs --factors") {
		t.Fatalf("rc %d: %s", rc, errs)
	}
}
