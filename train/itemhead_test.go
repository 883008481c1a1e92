// Tests of the WALS item head: each item token's lm_head row is the
// item's projected factor, scaled to the initialisation's RMS.

package train

import (
	"io"
	"math"
	"testing"

	"embrec/tensor"
	"embrec/wals"
)

func TestInitItemHead(t *testing.T) {
	spec := RunSpec{Data: "synth:seed=2,users=40,items=30,minlen=5,maxlen=9", Init: "random", Config: "tiny",
		Mode: "embed", Full: true, ItemTokens: ItemWhole, ItemHead: ItemHeadWALS, Seed: 1}
	spec.WALS = wals.DefaultConfig()
	spec.WALS.Factors, spec.WALS.Iters = 8, 3
	b := tensor.NewCPU(1)
	bt, err := Build(spec, b, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := bt.Rec
	tpl, err := bt.Templates.Get("sequential", "seen:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.InitItemHead(tpl); err != nil {
		t.Fatal(err)
	}
	C, ni := r.LLM.Config.Hidden, bt.Data.NumItems()
	y := b.New(tensor.F32, ni, C)
	r.ItemProj.Forward(y, r.V)
	proj := make([]float32, ni*C)
	b.Download(proj, y)
	row := make([]float32, C)
	for it := 0; it < ni; it++ {
		tok := r.Enc.ItemSequence(tpl, int32(it))[1]
		b.Download(row, r.LLM.Head.Row(int(tok)))
		var dot, nh, np float64
		for j, v := range row {
			p := float64(proj[it*C+j])
			dot, nh, np = dot+float64(v)*p, nh+float64(v)*float64(v), np+p*p
		}
		if rms := math.Sqrt(nh / float64(C)); math.Abs(rms-0.02) > 1e-6 {
			t.Fatalf("item %d: head row RMS %v, want 0.02", it, rms)
		}
		if cos := dot / math.Sqrt(nh*np); cos < 1-1e-5 {
			t.Fatalf("item %d: head row at cosine %v from f_i(V[item])", it, cos)
		}
	}
	// Digit vocabularies have no single item token to set.
	spec.ItemTokens = ItemDigits
	bt, err = Build(spec, b, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := bt.Rec.InitItemHead(tpl); err == nil {
		t.Fatal("InitItemHead with digit item tokens: no error")
	}
}

// With the tied head the item projector also scores the candidates: its
// gradient (history slots plus head rows) matches central differences of
// the loss with the head rewritten from the perturbed projector, and the
// head's item rows get no gradient of their own.
func TestTiedItemHeadGradient(t *testing.T) {
	for _, head := range []string{ItemHeadTied, ItemHeadTiedID} {
		t.Run(head, func(t *testing.T) { testTiedItemHeadGradient(t, head) })
	}
}

// testTiedItemHeadGradient: with ItemHeadTiedID the item tokens'
// embedding rows are checked too (they enter every head row and history
// slot of their item).
func testTiedItemHeadGradient(t *testing.T, head string) {
	spec := RunSpec{Data: "synth:seed=2,users=40,items=30,minlen=5,maxlen=9", Init: "random", Config: "tiny",
		Mode: "embed", Full: true, ItemTokens: ItemWhole, ItemHead: head, Seed: 1}
	spec.WALS = wals.DefaultConfig()
	spec.WALS.Factors, spec.WALS.Iters = 8, 3
	bt, err := Build(spec, tensor.NewCPU(1), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := bt.Rec
	c := DefaultTrainConfig()
	c.Batch, c.Steps = 6, 3
	tr, err := NewTrainer(r, bt.Templates, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(t.Context(), 0, nil, nil); err != nil {
		t.Fatal(err)
	}
	batch, err := tr.microBatch(5, 0)
	if err != nil {
		t.Fatal(err)
	}
	r.Proj.ZeroGrad()
	r.Full.ZeroGrad()
	r.Step(batch, 1, true)
	dHead := tensor.Float32s(r.fullGrads.Head)
	C := r.LLM.Config.Hidden
	for _, tok := range r.tied.toks {
		for _, v := range dHead[int(tok)*C : int(tok+1)*C] {
			if v != 0 {
				t.Fatalf("head row of item token %d keeps a gradient", tok)
			}
		}
	}
	w, grad := tensor.Float32s(r.ItemProj.W2), tensor.Float32s(r.Proj.Grad("item_proj.2.weight"))
	checked := 0
	for _, i := range []int{0, 7, 100, len(grad) - 1} {
		old := w[i]
		const h = 1e-2
		w[i] = old + h
		r.syncItemHead()
		lp, _ := r.Step(batch, 1, false)
		w[i] = old - h
		r.syncItemHead()
		lm, _ := r.Step(batch, 1, false)
		w[i] = old
		r.syncItemHead()
		num := (lp - lm) / (2 * h)
		if math.Abs(num-float64(grad[i])) > 0.05*math.Abs(num)+1e-4 {
			t.Errorf("d/d item_proj.2.weight[%d] = %.6g, central difference %.6g", i, grad[i], num)
		}
		if math.Abs(num) > 1e-4 {
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("every checked entry has a zero gradient: the test checks nothing")
	}
	if head != ItemHeadTiedID {
		return
	}
	// The embedding row of a history item's token: slots, head row and
	// the target span's input all move the loss.
	if batch, err = tr.microBatch(4, 0); err != nil || len(batch.ItemIdx) == 0 {
		t.Fatalf("a sequential batch: %v, %d history slots", err, len(batch.ItemIdx))
	}
	r.Proj.ZeroGrad()
	r.Full.ZeroGrad()
	r.Step(batch, 1, true)
	emb, dEmb := tensor.Float32s(r.LLM.Embed), tensor.Float32s(r.fullGrads.Embed)
	tok := int(r.tied.toks[batch.ItemIdx[0]])
	checked = 0
	for _, j := range []int{0, 5, C - 1} {
		i := tok*C + j
		old := emb[i]
		const h = 1e-2
		emb[i] = old + h
		r.syncItemHead()
		lp, _ := r.Step(batch, 1, false)
		emb[i] = old - h
		r.syncItemHead()
		lm, _ := r.Step(batch, 1, false)
		emb[i] = old
		r.syncItemHead()
		num := (lp - lm) / (2 * h)
		if math.Abs(num-float64(dEmb[i])) > 0.05*math.Abs(num)+1e-4 {
			t.Errorf("d/d embed[item token %d][%d] = %.6g, central difference %.6g", tok, j, dEmb[i], num)
		}
		if math.Abs(num) > 1e-4 {
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("the item token's embedding row does not move the loss")
	}
}
