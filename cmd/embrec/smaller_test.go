// The smaller defects of run integrity: write errors on standard output,
// eval's column labels for short lists, stage 1 recorded as stage 1,
// checkpoint lines in a log, and recommend's bounds.

package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"embrec/train"
)

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestSmallerDefects(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if rc, stderr := run(t, tinyTrain(dir)...); rc != 0 {
		t.Fatalf("train: %s", stderr)
	}
	spec, err := train.LoadSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Stage1.Stage != 1 || spec.Stage2.Stage != 2 {
		t.Errorf("run.json stages %d and %d, want 1 and 2", spec.Stage1.Stage, spec.Stage2.Stage)
	}

	old := cmdOut
	defer func() { cmdOut = old }()
	cmdOut = &checkedWriter{w: failWriter{}}
	if rc, stderr := run(t, "recommend", "--run", dir, "--user", "u3", "-k", "3"); rc == 0 || !strings.Contains(stderr, "standard output") {
		t.Errorf("recommend into a full disk: exit %d, %s", rc, stderr)
	}
	cmdOut = old
	oldData := dataOut
	defer func() { dataOut = oldData }()
	dataOut = &checkedWriter{w: failWriter{}}
	if rc, stderr := run(t, "data", "synth", "--out", filepath.Join(t.TempDir(), "u.txt")); rc == 0 || !strings.Contains(stderr, "standard output") {
		t.Errorf("data synth with a full standard output: exit %d, %s", rc, stderr)
	}
	dataOut = oldData

	var b strings.Builder
	cmdOut = &b
	if rc, stderr := run(t, "eval", "--run", dir, "--beams", "4", "--users", "5"); rc != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	if !strings.Contains(b.String(), "HR@4") || strings.Contains(b.String(), "HR@10") || strings.Contains(b.String(), "HR@5") {
		t.Errorf("eval --beams 4 table:\n%s", b.String())
	}
	for _, k := range []string{"0", "31"} { // the catalogue has 30 items
		rc, stderr := run(t, "recommend", "--run", dir, "--user", "u3", "-k", k)
		if rc == 0 || !strings.Contains(stderr, "-k "+k) {
			t.Errorf("recommend -k %s: exit %d, %s", k, rc, stderr)
		}
	}
}

// In a log (not a terminal) checkpoint lines come with the progress lines,
// not at every save.
func TestCheckpointLinesInLog(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b)
	p.start(0)
	for s := 1; s <= 100; s++ {
		p.step(2, train.StepStats{Step: s}, 100, 0)
		p.checkpoint(2, s, 100, "ck")
	}
	if n := strings.Count(b.String(), "checkpoint"); n != 10 {
		t.Errorf("%d checkpoint lines for 100 saves, want 10:\n%s", n, b.String())
	}
	if strings.Contains(b.String(), "\r") {
		t.Error("carriage returns in a log")
	}
}
