// The train, eval, recommend and plot commands end to end on a tiny
// synthetic run: exit codes, the run directory's files, and the JSON
// results; bad flags fail with exit code 1 or 2.

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrainEvalRecommendPlot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	quiet := io.Discard
	data := "synth:seed=2,users=60,items=30,clusters=3,minlen=5,maxlen=8"
	args := []string{"train", "--data", data, "--init", "random", "--config", "tiny", "--stage1-steps", "2",
		"--steps", "3", "--batch", "4", "--save-every", "2", "--out", dir}
	if rc := runMain(args, quiet, os.Stderr); rc != 0 {
		t.Fatalf("train exited %d", rc)
	}
	for _, f := range []string{"run.json", "checkpoint.safetensors", "stage1.safetensors", "metrics.jsonl",
		"tokenizer.model", "adapter/adapter_model.safetensors", "adapter/adapter_config.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run directory lacks %s: %v", f, err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		var m struct{ Stage, Step int }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m.Stage < 1 || m.Step < 1 {
			t.Fatalf("metrics line %d: %q (%v)", lines+1, sc.Text(), err)
		}
	}
	f.Close()
	if lines != 5 {
		t.Errorf("metrics.jsonl has %d lines, want 2 + 3 steps", lines)
	}
	// Resuming a finished run does nothing more and succeeds.
	if rc := runMain([]string{"train", "--out", dir, "--resume"}, quiet, os.Stderr); rc != 0 {
		t.Fatalf("resume exited %d", rc)
	}

	js := filepath.Join(t.TempDir(), "eval.json")
	if rc := runMain([]string{"eval", "--run", dir, "--users", "5", "--beams", "4", "--json", js}, quiet, os.Stderr); rc != 0 {
		t.Fatalf("eval exited %d", rc)
	}
	var rows []struct {
		Task      string
		Users     int
		HR5, HR10 float64
	}
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 1 || rows[0].Users != 5 || rows[0].Task != "sequential" {
		t.Fatalf("eval JSON %s (%v)", b, err)
	}
	if rc := runMain([]string{"recommend", "--run", dir, "--user", "u3", "-k", "3"}, quiet, os.Stderr); rc != 0 {
		t.Fatalf("recommend exited %d", rc)
	}
	svg := filepath.Join(t.TempDir(), "loss.svg")
	if rc := runMain([]string{"plot", "--out", svg, dir}, quiet, os.Stderr); rc != 0 {
		t.Fatalf("plot exited %d", rc)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "<polyline") || !strings.Contains(string(b), "run stage 2") {
		t.Fatalf("plot wrote no stage-2 loss line: %v", err)
	}
	if rc := runMain([]string{"plot", "--out", filepath.Join(t.TempDir(), "loss.png"), dir}, quiet, io.Discard); rc == 0 {
		t.Fatal("plot to a .png succeeded; it writes SVG only")
	}

	var errb strings.Builder
	for _, bad := range [][]string{
		{"train", "--data", data, "--init", "random"}, // no --out
		{"eval", "--run", dir, "--rank", "bogus"},
		{"recommend", "--run", dir, "--user", "nobody"},
		{"eval", "--run", filepath.Join(dir, "missing")},
	} {
		errb.Reset()
		if rc := runMain(bad, quiet, &errb); rc == 0 {
			t.Errorf("%v succeeded", bad)
		}
	}
}
