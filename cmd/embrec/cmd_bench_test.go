package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"embrec/cuda"
	"embrec/llama"
)

// TestBenchTrainCPU runs "bench train" on the tiny shape: the summary line
// is well-formed, the loss is finite and the adapters learn (AdamW moves
// them, so the loss changes between steps); recomputing attention gives
// the same losses with a smaller arena; bad flags are refused.
func TestBenchTrainCPU(t *testing.T) {
	var out, errb bytes.Buffer
	old := benchOut
	benchOut = &out
	defer func() { benchOut = old }()
	summary := regexp.MustCompile(`^train device=cpu checkpoint=false gemm=- ms=([0-9.]+) .* tokens_per_s=([0-9]+) peak_gib=n/a ` +
		`loss_first=([0-9.]+) loss_last=([0-9.]+) recompute_attention=(true|false) activations_mib=([0-9.]+) saved=(f32|bf16) flash_attention=(true|false) f32_operands=(true|false) model_gflop_s=[0-9.]+$`)
	bench := func(extra ...string) []string {
		out.Reset()
		args := append([]string{"bench", "train", "-shape", "tiny", "-batch", "2", "-seq", "32", "-steps", "3",
			"-warmup", "1", "-threads", "1"}, extra...)
		if rc := runMain(args, &out, &errb); rc != 0 {
			t.Fatalf("%v: rc %d: %s", extra, rc, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if got := len(lines); got != 1+4+1 {
			t.Errorf("%d lines, want header, 4 steps, summary:\n%s", got, out.String())
		}
		m := summary.FindStringSubmatch(lines[len(lines)-1])
		if m == nil {
			t.Fatalf("summary line %q", lines[len(lines)-1])
		}
		return m
	}
	m := bench()
	first, _ := strconv.ParseFloat(m[3], 64)
	lastLoss, _ := strconv.ParseFloat(m[4], 64)
	if first < 4 || first > 7 || first == lastLoss { // ln(256) = 5.55 for near-uniform logits
		t.Errorf("loss first %v last %v", first, lastLoss)
	}
	r := bench("-recompute-attention")
	if r[3] != m[3] || r[4] != m[4] || r[5] != "true" || m[5] != "false" {
		t.Errorf("recomputing attention: losses %s, %s (want %s, %s), recompute_attention=%s", r[3], r[4], m[3], m[4], r[5])
	}
	if a, b := mustFloat(t, r[6]), mustFloat(t, m[6]); !(a < b) {
		t.Errorf("activations %v MiB recomputing attention, %v MiB without", a, b)
	}
	if m[7] != "f32" {
		t.Errorf("saved=%s on the CPU (float32 weights), want f32", m[7])
	}
	h := bench("-saved", "bf16")
	if h[3] != m[3] || h[7] != "bf16" || mustFloat(t, h[6]) >= mustFloat(t, m[6]) {
		t.Errorf("-saved bf16: first loss %s (want %s), saved=%s, activations %s MiB (float32: %s)", h[3], m[3], h[7], h[6], m[6])
	}
	if m[8] != "false" {
		t.Errorf("flash_attention=%s by default", m[8])
	}
	w := bench("-weights", "bf16") // BF16 products on the CPU
	if w[7] != "bf16" || w[3] == m[3] {
		t.Errorf("-weights bf16: saved=%s (want bf16), first loss %s (float32 weights: %s)", w[7], w[3], m[3])
	}
	for _, bad := range [][]string{{"-shape", "huge"}, {"-saved", "f16"}, {"-seq", "100000", "-shape", "tiny"},
		{"-shape", "tiny", "-flash-attention"}} { // the CPU backend has no fused attention
		errb.Reset()
		if rc := runMain(append([]string{"bench", "train"}, bad...), &out, &errb); rc == 0 {
			t.Errorf("%v accepted", bad)
		}
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBenchTrainPlan: -plan prints the exact sizes of the frozen weights
// and the activation arena for the OpenLLaMA-3B shape without building it
// (a cuda plan needs no GPU), and refuses bad dtype flags.
func TestBenchTrainPlan(t *testing.T) {
	var out, errb bytes.Buffer
	old := benchOut
	benchOut = &out
	defer func() { benchOut = old }()
	if rc := runMain([]string{"bench", "train", "-plan", "-device", "cuda", "-recompute-attention"}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	gib := func(n int64) string { return fmt.Sprintf("%8.2f GiB", float64(n)/(1<<30)) }
	ropt := llama.RunOptions{RecomputeAttention: true, SaveBF16: true}
	for _, want := range []string{
		"frozen weights    " + gib(2*openLLaMA3B.NumParams()) + "  BF16",
		"activation arena  " + gib(llama.ActivationBytes(openLLaMA3B, 8, 256, ropt)) + "  saved gate/up bf16, checkpoint false, recompute attention true",
		"r=8 on q_proj,v_proj: 2662400 parameters", // 26 layers x 8 x ((3200+3200) + (3200+3200))
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, out.String())
		}
	}
	for _, bad := range [][]string{{"-saved", "f16"}, {"-weights", "f8"}, {"-lora-targets", "x_proj"}} {
		if rc := runMain(append([]string{"bench", "train", "-plan"}, bad...), &out, &errb); rc == 0 {
			t.Errorf("-plan %v accepted", bad)
		}
	}
}

// TestBenchGemmFlags: "bench gemm" on the CPU prints its summary line;
// the GPU's flags are refused on the CPU, and -device cuda in a binary
// without the cuda tag says how to get one.
func TestBenchGemmFlags(t *testing.T) {
	var out, errb bytes.Buffer
	old := benchOut
	benchOut = &out
	defer func() { benchOut = old }()
	run := func(args ...string) int {
		out.Reset()
		errb.Reset()
		return runMain(append([]string{"bench", "gemm", "-m", "48", "-n", "40", "-k", "24", "-repeats", "2", "-warmup", "1",
			"-threads", "1"}, args...), &out, &errb)
	}
	if rc := run("-layout", "nt"); rc != 0 || !regexp.MustCompile(`(?m)^gemm 48x40x24 NT f32 threads=1 kernel [a-z0-9-]+: [0-9.]+ GFLOP/s \(median of 2,`).MatchString(out.String()) {
		t.Errorf("rc %d, output:\n%s%s", rc, out.String(), errb.String())
	}
	if rc := run("-dtype", "bf16", "-layout", "tn"); rc != 0 || !regexp.MustCompile(`(?m)^gemm 48x40x24 TN bf16 threads=1 kernel [a-z0-9-]+: [0-9.]+ GFLOP/s`).MatchString(out.String()) {
		t.Errorf("-dtype bf16: rc %d, output:\n%s%s", rc, out.String(), errb.String())
	}
	for _, bad := range [][]string{{"-dtype", "f8"}, {"-kernel", "nosuch"}, {"-variant", "v3k"}, {"-batch", "2"}, {"-device", "tpu"}, {"-batch", "0"}} {
		if rc := run(bad...); rc == 0 {
			t.Errorf("%v accepted on the CPU", bad)
		}
	}
	if !cuda.Built {
		if rc := run("-device", "cuda"); rc == 0 || !strings.Contains(errb.String(), "-tags cuda") {
			t.Errorf("-device cuda without the cuda tag: rc %d, %q", rc, errb.String())
		}
	}
}
