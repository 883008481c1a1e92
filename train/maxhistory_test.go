// A run's history length (Encoder.MaxHistory, set from its stage 2
// configuration) shapes its training, validation and test prompts alike.

package train

import (
	"io"
	"testing"

	"embrec/tensor"
	"embrec/train/data"
	"embrec/wals"
)

func TestRunHistoryLengthReachesEveryPrompt(t *testing.T) {
	const his = 3
	spec := RunSpec{Data: "synth:seed=2,users=40,items=30,minlen=8,maxlen=12", Init: "random", Config: "tiny",
		Mode: "embed", Seed: 1, Full: true, ItemTokens: ItemWhole}
	spec.WALS = wals.DefaultConfig()
	spec.WALS.Factors, spec.WALS.Iters = 8, 3
	s2 := DefaultTrainConfig()
	s2.MaxHistory = his
	spec.Stage2 = &s2
	bt, err := Build(spec, tensor.NewCPU(1), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	enc := bt.Rec.Enc
	if enc.History() != his {
		t.Fatalf("encoder shows %d items, the run's stage 2 trains on %d", enc.History(), his)
	}
	for _, split := range []data.Split{data.Valid, data.Test} {
		full := 0
		for _, s := range enc.Samples(split) {
			if len(s.History) > his {
				t.Fatalf("split %v: user %d's prompt shows %d items, want at most %d", split, s.User, len(s.History), his)
			}
			if len(s.History) == his {
				full++
			}
		}
		if full == 0 {
			t.Fatalf("split %v: no prompt shows %d items (every user has at least 6 before the split)", split, his)
		}
	}
	if _, err := NewTrainer(bt.Rec, bt.Templates, DefaultTrainConfig()); err == nil {
		t.Fatalf("a stage configuration of %d items was accepted by an encoder of %d", data.DefaultMaxHistory, his)
	}
	tr, err := NewTrainer(bt.Rec, bt.Templates, s2)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tr.samples {
		if len(s.History) > his {
			t.Fatalf("training sample of user %d shows %d items, want at most %d", s.User, len(s.History), his)
		}
	}
	spec.Stage2 = nil
	if bt, err = Build(spec, tensor.NewCPU(1), io.Discard); err != nil {
		t.Fatal(err)
	}
	if n := bt.Rec.Enc.History(); n != data.DefaultMaxHistory {
		t.Fatalf("a spec without stages shows %d items, want OpenP5's %d", n, data.DefaultMaxHistory)
	}
}
