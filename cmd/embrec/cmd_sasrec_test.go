// Tests of the sasrec command: a run trains, logs its trial, refuses to
// reuse its directory, resumes, and --report reproduces its evaluation.

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSASRecCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s", "user_sequence.txt")
	if err := os.MkdirAll(filepath.Dir(data), 0o755); err != nil {
		t.Fatal(err)
	}
	if rc, errs := run(t, "data", "synth", "--out", data, "--users", "60", "--items", "30", "--min-len", "5", "--max-len", "12"); rc != 0 {
		t.Fatalf("data synth: %d %s", rc, errs)
	}
	out, log := filepath.Join(dir, "run"), filepath.Join(dir, "trials.jsonl")
	args := []string{"sasrec", "--data", data, "--out", out, "--hidden", "16", "--max-len", "10", "--batch", "8",
		"--epochs", "3", "--eval-every", "1", "--log", log, "--threads", "1"}
	if rc, errs := run(t, args...); rc != 0 {
		t.Fatalf("sasrec: exit %d: %s", rc, errs)
	}
	for _, f := range []string{"sasrec.json", "state.safetensors", "best.safetensors", "metrics.jsonl"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	if rc, errs := run(t, args...); rc == 0 || !strings.Contains(errs, "--resume") {
		t.Fatalf("a second fresh run into %s: exit %d, %q; want a refusal naming --resume", out, rc, errs)
	}
	if rc, errs := run(t, "sasrec", "--out", out, "--report", "--log", log); rc != 0 {
		t.Fatalf("sasrec --report: exit %d: %s", rc, errs)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d trial lines, want 2 (the run and its report)", len(lines))
	}
	var tr [2]trial
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &tr[i]); err != nil {
			t.Fatal(err)
		}
		if tr[i].Model != "sasrec" || tr[i].Test == nil || tr[i].Valid == nil || tr[i].Test.Users != 60 {
			t.Fatalf("trial %d: %+v", i, tr[i])
		}
	}
	if *tr[0].Test != *tr[1].Test || *tr[0].Valid != *tr[1].Valid {
		t.Fatalf("--report evaluates to %+v / %+v, the run to %+v / %+v", *tr[1].Valid, *tr[1].Test, *tr[0].Valid, *tr[0].Test)
	}
	if rc, errs := run(t, "sasrec", "--data", data, "--out", filepath.Join(dir, "bad"), "--dropout", "1"); rc == 0 || !strings.Contains(errs, "--dropout") {
		t.Fatalf("--dropout 1: exit %d, %q", rc, errs)
	}
}
