// Test fixtures: a tiny run built in memory from the synthetic data
// generator (random backbone and projectors, WALS fitted in milliseconds),
// and a Batcher whose worker starts when the test says.

package serve

import (
	"io"
	"sync"
	"testing"

	"embrec/lora"
	"embrec/tensor"
	"embrec/train"
	"embrec/wals"
)

func tinySpec() train.RunSpec {
	wc := wals.DefaultConfig()
	wc.Factors, wc.Iters = 8, 3
	lc := lora.DefaultConfig()
	return train.RunSpec{Data: "synth:seed=3,users=40,items=30,clusters=3,minlen=5,maxlen=14",
		Init: "random", Config: "tiny", Mode: "embed", WALS: wc, ProjHidden: 16, LoRA: &lc, Seed: 2, ModelSeed: 4}
}

// tinyEngine builds a fresh engine over the tiny run (its own backend).
func tinyEngine(t testing.TB) *Engine {
	t.Helper()
	built, err := train.Build(tinySpec(), tensor.NewCPU(2), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(built, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// pausedBatcher is a Batcher whose worker has not started: requests stay
// queued until start is called.
func pausedBatcher(e *Engine, opt BatchOptions, m *Metrics) (b *Batcher, start func()) {
	b = newBatcher([]*Engine{e}, opt, m)
	var once sync.Once
	return b, func() { once.Do(b.start) }
}

func intp(v int) *int { return &v }
