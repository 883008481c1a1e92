// The large loading test: a randomly initialised OpenLLaMA-3B-shaped
// directory (BF16, sharded, ~6.9 GB) generated on the fly, loaded, checked
// for load time and peak RSS, and run for a few tokens. Opt-in only:
//
//	EMBREC_LARGE=1 go test ./llama -run Large -v -timeout 30m
//
// It needs ~7 GB of disk in $TMPDIR and ~15 GB of memory (the float32
// copy of the BF16 weights is 13.7 GB).

package llama

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"embrec/tensor"
	"embrec/tensor/safetensors"
)

// peakRSS returns VmHWM from /proc/self/status ("" when unavailable).
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(s.Text(), "VmHWM:"))
		}
	}
	return ""
}

func TestLargeOpenLLaMA3B(t *testing.T) {
	if os.Getenv("EMBREC_LARGE") == "" {
		t.Skip("set EMBREC_LARGE=1 (and -run Large) to generate and load a 6.9 GB OpenLLaMA-3B-shaped model")
	}
	cfg := Config{Hidden: 3200, Intermediate: 8640, Layers: 26, Heads: 32, KVHeads: 32, HeadSize: 100,
		Vocab: 32000, MaxPos: 2048, NormEps: 1e-6, RopeTheta: 10000, BOS: 1, EOS: 2}
	dir := filepath.Join(t.TempDir(), "openllama-3b-random")
	start := time.Now()
	var state uint64 = 0x9e3779b97f4a7c15
	err := SaveDir(dir, cfg, func(name string, dst []float32) error {
		if strings.HasSuffix(name, "norm.weight") {
			for i := range dst {
				dst[i] = 1
			}
			return nil
		}
		for i := range dst { // xorshift64*, uniform in [-0.035, 0.035): std 0.02
			state ^= state >> 12
			state ^= state << 25
			state ^= state >> 27
			u := float32((state*2685821657736338717)>>40) / (1 << 24)
			dst[i] = (u - 0.5) * 0.07
		}
		return nil
	}, SaveOptions{DType: safetensors.BF16, ShardSize: 2 << 30})
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	files, _ := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	for _, f := range files {
		st, _ := os.Stat(f)
		size += st.Size()
	}
	t.Logf("generated %d shards, %.2f GB in %v; peak RSS so far %s", len(files), float64(size)/1e9, time.Since(start).Round(time.Millisecond), peakRSS())
	start = time.Now()
	b := tensor.NewCPU(0)
	m, err := Load(dir, b)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	t.Logf("loaded %d parameters in %v; peak RSS %s (float32 weights: %.1f GB)",
		cfg.NumParams(), time.Since(start).Round(time.Millisecond), peakRSS(), float64(4*cfg.NumParams())/1e9)
	start = time.Now()
	out, err := m.Generate([][]int32{{1, 319, 4996}}, SampleOptions{MaxTokens: 4})
	if err != nil || len(out[0]) != 4 {
		t.Fatalf("generate: %v %v", out, err)
	}
	t.Logf("3-token prompt + 4 greedy tokens in %v: %v", time.Since(start).Round(time.Millisecond), out[0])
}
