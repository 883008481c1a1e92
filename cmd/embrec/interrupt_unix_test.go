//go:build unix

// A real SIGINT during training: exit code 130, checkpoint saved, and a
// resume that ends bit for bit where an uninterrupted run ends.

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"embrec/tensor/safetensors"
	"embrec/train"
)

// Exit codes: SIGINT saves a checkpoint and exits 130; the resumed run
// ends with the same weights as an uninterrupted one.
func TestInterruptExitCodeAndResume(t *testing.T) {
	root := t.TempDir()
	args := func(dir string) []string {
		return tinyTrain(dir, "--steps", "300", "--save-every", "1000")
	}
	a := filepath.Join(root, "a")
	done := make(chan int, 1)
	var errb strings.Builder
	go func() { done <- runMain(args(a), io.Discard, &errb) }()
	for {
		b, _ := os.ReadFile(filepath.Join(a, train.MetricsFile))
		if strings.Count(string(b), "\n") >= 4 {
			break
		}
		select {
		case rc := <-done:
			t.Skipf("training finished (exit %d) before it could be interrupted", rc)
		default:
		}
		time.Sleep(5 * time.Millisecond)
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	if rc := <-done; rc != exitInterrupt {
		t.Fatalf("interrupted train exited %d, want %d: %s", rc, exitInterrupt, errb.String())
	}
	if !strings.Contains(errb.String(), "--resume") {
		t.Errorf("message: %s", errb.String())
	}
	if rc, stderr := run(t, "train", "--out", a, "--resume"); rc != 0 {
		t.Fatalf("resume: %s", stderr)
	}
	b := filepath.Join(root, "b")
	if rc, stderr := run(t, args(b)...); rc != 0 {
		t.Fatalf("uninterrupted: %s", stderr)
	}
	fa, err := safetensors.Open(filepath.Join(a, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := safetensors.Open(filepath.Join(b, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	for _, n := range fb.Names() {
		va, _ := fa.Float32(n)
		vb, _ := fb.Float32(n)
		if len(va) != len(vb) {
			t.Fatalf("%s: lengths differ", n)
		}
		for i := range va {
			if va[i] != vb[i] {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", n, i, va[i], vb[i])
			}
		}
	}
	if la, lb := metricsLines(t, a), metricsLines(t, b); len(la) != len(lb) {
		t.Errorf("metrics.jsonl: %d lines after interrupt and resume, %d uninterrupted", len(la), len(lb))
	}
}
