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
