// Input and residual dropout of training batches: each changes the step,
// is reproducible from the seed, and training with it still fits.

package train

import (
	"io"
	"testing"

	"embrec/tensor"
	"embrec/wals"
)

func TestInputDropout(t *testing.T) {
	testDropout(t, "input", func(c *TrainConfig, p float32) { c.InputDropout = p })
}

func TestResidualDropout(t *testing.T) {
	testDropout(t, "residual", func(c *TrainConfig, p float32) { c.ResidualDropout = p })
}

func testDropout(t *testing.T, kind string, set func(*TrainConfig, float32)) {
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
		c.Steps, c.Batch, c.Warmup, c.LR = steps, 8, 2, 3e-3
		set(&c, p)
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
		t.Fatalf("%s dropout left the training loss unchanged", kind)
	}
	if !equalF32(w1, w2) {
		t.Fatalf("two runs with the same seed and %s dropout differ", kind)
	}
	if equalF32(w0, w1) {
		t.Fatalf("%s dropout left the weights unchanged", kind)
	}
	if first, last, _ := train(0.3, 40); !(last < first) {
		t.Fatalf("with %s dropout the loss went from %v to %v", kind, first, last)
	}
}
