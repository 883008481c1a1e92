package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBenchTrainCPU runs "bench train" on the tiny shape: the summary line
// is well-formed, the loss is finite and the adapters learn (AdamW moves
// them, so the loss changes between steps); bad flags are refused.
func TestBenchTrainCPU(t *testing.T) {
	var out, errb bytes.Buffer
	old := benchOut
	benchOut = &out
	defer func() { benchOut = old }()
	if rc := runMain([]string{"bench", "train", "-shape", "tiny", "-batch", "2", "-seq", "32", "-steps", "3",
		"-warmup", "1", "-threads", "1"}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	m := regexp.MustCompile(`^train device=cpu checkpoint=false gemm=- ms=([0-9.]+) .* tokens_per_s=([0-9]+) peak_gib=n/a loss_first=([0-9.]+) loss_last=([0-9.]+)$`).FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("summary line %q", last)
	}
	first, _ := strconv.ParseFloat(m[3], 64)
	lastLoss, _ := strconv.ParseFloat(m[4], 64)
	if first < 4 || first > 7 || first == lastLoss { // ln(256) = 5.55 for near-uniform logits
		t.Errorf("loss first %v last %v", first, lastLoss)
	}
	if got := len(lines); got != 1+4+1 {
		t.Errorf("%d lines, want header, 4 steps, summary:\n%s", got, out.String())
	}
	for _, bad := range [][]string{{"-shape", "huge"}, {"-weights", "bf16"}, {"-seq", "100000", "-shape", "tiny"}} {
		errb.Reset()
		if rc := runMain(append([]string{"bench", "train"}, bad...), &out, &errb); rc == 0 {
			t.Errorf("%v accepted", bad)
		}
	}
}
