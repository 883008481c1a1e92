// Folded-in user vectors: the fold-in of a sample's whole prefix, what the
// user slot receives, the user step of WALS for a whole training history,
// and the solve settings kept with the run.

package train

import (
	"io"
	"math"
	"path/filepath"
	"testing"

	"embrec/tensor"
	"embrec/train/cf"
	"embrec/train/data"
	"embrec/wals"
)

func TestFoldInUserVectors(t *testing.T) {
	spec := RunSpec{Data: "synth:seed=2,users=40,items=30,minlen=6,maxlen=12", Init: "random", Config: "tiny",
		Mode: "embed", Seed: 1, UserVectors: UserVectorsFoldIn}
	spec.WALS = wals.DefaultConfig()
	spec.WALS.Factors, spec.WALS.Iters, spec.WALS.Solver, spec.WALS.Reg, spec.WALS.Alpha = 8, 3, wals.SolverCholesky, 0.3, 4
	b := tensor.NewCPU(1)
	bt, err := Build(spec, b, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if fs := bt.Spec.FoldIn; fs == nil || *fs != (FoldInSpec{Reg: 0.3, Alpha: 4}) {
		t.Fatalf("settled fold-in %+v, want the fit's reg 0.3 and alpha 4", fs)
	}
	raw := bt.Factors // before standardisation
	var ss float64
	for _, v := range raw.User {
		ss += float64(v) * float64(v)
	}
	userRMS := math.Sqrt(ss / float64(len(raw.User)))
	k := raw.K

	// The user step of WALS given the fitted item factors, for every user:
	// folding in a user's whole training history must give the same row.
	cols := cf.TrainColumns(bt.Data)
	m := cf.TrainMatrix(bt.Data, cols)
	y := make([]float32, len(raw.Item)) // item factors in column order
	for c, it := range cols.Item {
		copy(y[c*k:], raw.Item[int(it)*k:int(it)*k+k])
	}
	step := make([]float32, bt.Data.NumUsers()*k)
	if err := wals.SolveSide(step, m, y, spec.WALS); err != nil {
		t.Fatal(err)
	}
	tpl, err := bt.Templates.Get("sequential", "seen:0")
	if err != nil {
		t.Fatal(err)
	}
	enc := bt.Rec.Enc
	for u := 0; u < bt.Data.NumUsers(); u++ {
		tr := bt.Data.TrainSeq(u)
		v, err := enc.Users.Vec(tr)
		if err != nil {
			t.Fatal(err)
		}
		for j := range v {
			want := float64(step[u*k+j]) / userRMS
			if math.Abs(float64(v[j])-want) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("user %d: fold-in of the training history [%d] = %v, the WALS user step gives %v", u, j, v[j], want)
			}
		}
	}

	// A training sample's vector folds in its whole prefix, not the
	// truncated history, and the prompt's user slot receives f_u of it.
	smp := bt.Data.Samples(data.Train, data.SampleOptions{MaxHistory: 3})
	var s data.Sample
	for _, c := range smp {
		if len(c.Prefix) > 4 {
			s = c
			break
		}
	}
	if s.Prefix == nil {
		t.Fatal("no sample with a prefix longer than its history")
	}
	p, err := enc.Encode(tpl, s, true)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := enc.Users.Vec(s.Prefix)
	tail, _ := enc.Users.Vec(s.History)
	if !equalF32(p.UserVec, whole) || equalF32(p.UserVec, tail) {
		t.Fatalf("prompt user vector %v: want the fold-in of the whole prefix %v (the history's is %v)", p.UserVec, whole, tail)
	}
	r := bt.Rec
	C := r.LLM.Config.Hidden
	x := r.PromptEmbeddings(p)
	got := make([]float32, C)
	b.Download(got, x.Row(p.UserSlots[0]))
	in := b.New(tensor.F32, 1, k)
	b.Upload(in, p.UserVec)
	out := b.New(tensor.F32, 1, C)
	r.UserProj.Forward(out, in)
	want := make([]float32, C)
	b.Download(want, out)
	if !equalF32(got, want) {
		t.Fatal("the user slot does not hold f_u of the folded-in vector")
	}
	// A batch must not mix folded and table vectors.
	q := p
	q.UserVec = nil
	if _, err := MakeBatch([]Prompt{p, q}, 2, 64, true, 0); err == nil {
		t.Fatal("a batch mixing folded-in and table user vectors was accepted")
	}

	// Reloading the run (its factor copy records no fit settings) keeps the
	// settled solve, whatever the WALS flags say.
	again := bt.Spec
	again.Factors = filepath.Join(t.TempDir(), FactorsFile)
	if err := saveFactors(again.Factors, bt.Factors, bt.Data); err != nil {
		t.Fatal(err)
	}
	again.WALS.Reg, again.WALS.Alpha = 5, 0.5
	bt2, err := Build(again, b, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := bt2.Rec.Enc.Encode(tpl, s, true)
	if err != nil {
		t.Fatal(err)
	}
	if !equalF32(p2.UserVec, p.UserVec) {
		t.Fatal("a rebuilt run folds users in with other settings than the ones it recorded")
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHistoryTargets checks the prompts of Encoder.HistoryTargets: each
// history slot predicts the next item's token, the last one the target;
// the user vector folds in the items before the shown history only; and
// the training samples tile each sequence in windows of MaxHistory.
func TestHistoryTargets(t *testing.T) {
	spec := RunSpec{Data: "synth:seed=2,users=40,items=30,minlen=6,maxlen=12", Init: "random", Config: "tiny",
		Mode: "embed", Seed: 1, Full: true, ItemTokens: ItemWhole, UserVectors: UserVectorsFoldIn, HistoryTargets: true}
	spec.WALS = wals.DefaultConfig()
	spec.WALS.Factors, spec.WALS.Iters = 8, 3
	b := tensor.NewCPU(1)
	bt, err := Build(spec, b, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	enc := bt.Rec.Enc
	tpl, err := bt.Templates.Get("sequential", "seen:0")
	if err != nil {
		t.Fatal(err)
	}
	const maxHis = 3
	enc.MaxHistory = maxHis
	smp := enc.TrainSamples()
	covered := map[[2]int]int{} // (user, position of a target in the training sequence)
	for _, s := range smp {
		for j := range s.History {
			covered[[2]int{s.User, len(s.Prefix) - len(s.History) + j + 1}]++
		}
		if len(s.History) == 0 {
			covered[[2]int{s.User, len(s.Prefix)}]++
		}
	}
	for u := range bt.Data.Seqs {
		for i := 1; i < len(bt.Data.TrainSeq(u)); i++ {
			if covered[[2]int{u, i}] != 1 {
				t.Fatalf("user %d: training position %d is a target %d times, want once", u, i, covered[[2]int{u, i}])
			}
		}
	}
	var s data.Sample
	for _, c := range smp {
		if len(c.Prefix) > len(c.History) && len(c.History) == maxHis {
			s = c
			break
		}
	}
	p, err := enc.Encode(tpl, s, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Aux) != maxHis {
		t.Fatalf("%d history targets for %d history items", len(p.Aux), maxHis)
	}
	for j, a := range p.Aux {
		next := s.Target
		if j+1 < maxHis {
			next = s.History[j+1]
		}
		if int(a[0]) != p.ItemSlots[j] || a[1] != enc.ItemSequence(tpl, next)[1] {
			t.Fatalf("history target %d: (%d, %d), want slot %d predicting item %d's token %d", j, a[0], a[1], p.ItemSlots[j], next, enc.ItemSequence(tpl, next)[1])
		}
	}
	before, _ := enc.Users.Vec(s.Prefix[:len(s.Prefix)-maxHis])
	if !equalF32(p.UserVec, before) {
		t.Fatal("the user vector is not the fold-in of the items before the shown history")
	}
	batch, err := MakeBatch([]Prompt{p}, 1, 64, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if batch.Tokens != len(p.Target)+maxHis {
		t.Fatalf("batch counts %d targets, want %d", batch.Tokens, len(p.Target)+maxHis)
	}
	off := 64 - SeqLen(p, true)
	for _, a := range p.Aux {
		if batch.Targets[off+int(a[0])] != a[1] {
			t.Fatalf("batch target at slot %d is %d, want %d", a[0], batch.Targets[off+int(a[0])], a[1])
		}
	}
	// A step on such batches trains (the loss is finite and falls).
	bt.Rec.AttachAdapters(true)
	c := DefaultTrainConfig()
	c.Stage, c.Steps, c.Batch, c.Warmup, c.LR, c.MaxHistory = 2, 30, 8, 2, 3e-3, maxHis
	tr, err := NewTrainer(bt.Rec, bt.Templates, c)
	if err != nil {
		t.Fatal(err)
	}
	var first, last float64
	for i := 0; i < c.Steps; i++ {
		st, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		if i < 5 {
			first += st.Loss / 5
		}
		if i >= c.Steps-5 {
			last += st.Loss / 5
		}
	}
	if !(last < first) {
		t.Fatalf("loss %v over the first steps, %v over the last: not falling", first, last)
	}
}
