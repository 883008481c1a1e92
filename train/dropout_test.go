// Input dropout of training batches: it changes the step, is reproducible
// from the seed, and training with it still fits.

package train

import (
	"io"
	"testing"

	"embrec/tensor"
	"embrec/wals"
)

func TestInputDropout(t *testing.T) {
	spec := RunSpec{Data: "synth:seed=2,users=40,items=30,minlen=6,maxlen=12", Init: "random", Config: "tiny",
		Mode: "embed", Seed: 1, Full: true, ItemTokens: ItemWhole, ItemHead: ItemHeadTiedID}
	spec.WALS = wals.DefaultConfig()
	spec.WALS.Factors, spec.WALS.Iters = 8, 3
	train := func(p float32, steps int) (first, last float64, w []float32) {
		bt, err := Build(spec, tensor.NewCPU(1), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		c := DefaultTrainConfig()
		c.Steps, c.Batch, c.Warmup, c.LR, c.InputDropout = steps, 8, 2, 3e-3, p
		tr, err := NewTrainer(bt.Rec, bt.Templates, c)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < steps; i++ {
			st, err := tr.TrainStep()
			if err != nil {
				t.Fatal(err)
			}
			if i < 5 {
				first += st.Loss / 5
			}
			if i >= steps-5 {
				last += st.Loss / 5
			}
		}
		return first, last, host(bt.Rec, bt.Rec.Full)
	}
	f0, _, w0 := train(0, 5)
	f1, _, w1 := train(0.3, 5)
	_, _, w2 := train(0.3, 5)
	if f0 == f1 {
		t.Fatal("input dropout left the training loss unchanged")
	}
	if !equalF32(w1, w2) {
		t.Fatal("two runs with the same seed and input dropout differ")
	}
	if equalF32(w0, w1) {
		t.Fatal("input dropout left the weights unchanged")
	}
	if first, last, _ := train(0.3, 40); !(last < first) {
		t.Fatalf("with input dropout the loss went from %v to %v", first, last)
	}
}
