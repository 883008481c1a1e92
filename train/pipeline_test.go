// The method end to end on a tiny synthetic problem: training lowers the
// loss, resume is bit for bit, beam search under the trie equals brute
// force when the beam holds the whole catalogue, and evaluation returns
// valid, distinct items.

package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"embrec/llama"
	"embrec/lora"
	"embrec/tensor"
	"embrec/train/data"
	"embrec/wals"
)

type tinySetup struct {
	d   *data.Dataset
	ts  *data.TemplateSet
	enc *Encoder
	f   *Factors
	cfg llama.Config
}

func newTinySetup(t testing.TB) *tinySetup {
	t.Helper()
	d, err := data.Synth(data.SynthConfig{Users: 40, Items: 24, MinLen: 5, MaxLen: 9, Clusters: 3, Follow: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ts := data.DefaultTemplates()
	_, tok, err := TemplateTokenizer(ts, d.Name)
	if err != nil {
		t.Fatal(err)
	}
	wc := wals.DefaultConfig()
	wc.Factors, wc.Iters = 8, 4
	f, err := FitFactors(d, wc, wals.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.Standardize()
	cfg, err := SmallConfig("tiny", tok.VocabSize(), 256, tok.BOS(), tok.EOS())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hidden, cfg.Intermediate, cfg.HeadSize = 32, 64, 8
	return &tinySetup{d: d, ts: ts, enc: &Encoder{Tok: tok, Data: d, Ix: data.SequentialIndexing(d), Mode: Embeddings}, f: f, cfg: cfg}
}

func (s *tinySetup) recommender(t testing.TB) *Recommender {
	t.Helper()
	llm, err := llama.NewRandom(s.cfg, tensor.NewCPU(2), llama.DefaultStd, 11)
	if err != nil {
		t.Fatal(err)
	}
	lc := lora.DefaultConfig()
	r, err := NewRecommender(llm, s.enc, s.f, Options{Mode: Embeddings, ProjHidden: 16, LoRA: &lc, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	r.AttachAdapters(true)
	return r
}

func (s *tinySetup) trainer(t testing.TB, r *Recommender, steps int) *Trainer {
	t.Helper()
	c := DefaultTrainConfig()
	c.Steps, c.Batch, c.Accum, c.Warmup, c.LR = steps, 4, 2, 2, 3e-3
	tr, err := NewTrainer(r, s.ts, c)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func host(r *Recommender, p *Params) []float32 {
	h := make([]float32, p.W.Len())
	r.b.Download(h, p.W)
	return h
}

func TestTrainingLowersLossAndResumesBitForBit(t *testing.T) {
	s := newTinySetup(t)
	// Straight through: 6 steps.
	ra := s.recommender(t)
	ta := s.trainer(t, ra, 6)
	var losses []float64
	if err := ta.Run(t.Context(), 0, nil, func(st StepStats) { losses = append(losses, st.Loss) }); err != nil {
		t.Fatal(err)
	}
	if !(losses[len(losses)-1] < losses[0]) {
		t.Errorf("loss did not fall over 6 steps: %v", losses)
	}
	// Interrupted after 3 steps, checkpointed, resumed in a fresh process
	// image (new model, new trainer): identical parameters after step 6.
	rb := s.recommender(t)
	tb := s.trainer(t, rb, 6)
	for i := 0; i < 3; i++ {
		if _, err := tb.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	ckpt := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := tb.SaveCheckpoint(ckpt); err != nil {
		t.Fatal(err)
	}
	rc := s.recommender(t)
	tc := s.trainer(t, rc, 6)
	if err := tc.LoadCheckpoint(ckpt, true); err != nil {
		t.Fatal(err)
	}
	if tc.Step != 3 {
		t.Fatalf("resumed at step %d", tc.Step)
	}
	if err := tc.Run(t.Context(), 0, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		name string
		a, c *Params
	}{{"projectors", ra.Proj, rc.Proj}, {"lora", ra.LoRA, rc.LoRA}} {
		if !slices.Equal(host(ra, g.a), host(rc, g.c)) {
			t.Errorf("%s differ after resume", g.name)
		}
	}
	if slices.Equal(host(ra, ra.LoRA), host(s.recommender(t), s.recommender(t).LoRA)) {
		t.Error("LoRA did not change during training")
	}
}

// Repeating one batch drives its loss down when every weight trains
// (full fine-tuning of the tiny backbone plus the projectors).
func TestFullFineTuningOverfitsOneBatch(t *testing.T) {
	s := newTinySetup(t)
	llm, err := llama.NewRandom(s.cfg, tensor.NewCPU(2), llama.DefaultStd, 11)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRecommender(llm, s.enc, s.f, Options{Mode: Embeddings, ProjHidden: 16, Full: true, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	tl := s.trainer(t, r, 40)
	bt, err := tl.microBatch(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := r.Step(bt, 1, false)
	for i := 0; i < 40; i++ {
		for _, g := range tl.groups() {
			g.ZeroGrad()
		}
		r.Step(bt, 1, true)
		for _, g := range tl.groups() {
			g.Step(tensor.AdamWParams{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: i + 1})
		}
	}
	if last, _ := r.Step(bt, 1, false); !(last < 0.1*first) {
		t.Fatalf("overfitting one batch: loss %.3f -> %.3f", first, last)
	}
}

// The gradients of the projectors and of LoRA, through the whole network,
// agree with central differences of the loss.
func TestProjectorAndLoRAGradientsMatchFiniteDifferences(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	tr := s.trainer(t, r, 3)
	if err := tr.Run(t.Context(), 0, nil, nil); err != nil { // move LoRA B off zero
		t.Fatal(err)
	}
	bt, err := tr.microBatch(7, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Params{r.Proj, r.LoRA} {
		g.ZeroGrad()
	}
	r.Step(bt, 1, true)
	for _, g := range []struct {
		name string
		p    *Params
	}{{"projectors", r.Proj}, {"lora", r.LoRA}} {
		for _, spec := range g.p.Specs { // the largest entry of every tensor
			w, grad := tensor.Float32s(g.p.Weight(spec.Name)), tensor.Float32s(g.p.Grad(spec.Name))
			i := 0
			for j := range grad {
				if math.Abs(float64(grad[j])) > math.Abs(float64(grad[i])) {
					i = j
				}
			}
			if math.Abs(float64(grad[i])) < 1e-5 {
				t.Errorf("%s: gradient of %s is zero", g.name, spec.Name)
				continue
			}
			old := w[i]
			const h = 1e-2
			w[i] = old + h
			lp, _ := r.Step(bt, 1, false)
			w[i] = old - h
			lm, _ := r.Step(bt, 1, false)
			w[i] = old
			num := (lp - lm) / (2 * h)
			if math.Abs(num-float64(grad[i])) > 0.05*math.Abs(num)+1e-4 {
				t.Errorf("%s: d/d %s[%d] = %.6g, central difference %.6g", g.name, spec.Name, i, grad[i], num)
			}
		}
	}
}

// scoreItem is log P(item tokens | prompt) by a full forward pass.
func scoreItem(t *testing.T, r *Recommender, p Prompt, seq []int32) float64 {
	q := p
	q.Target = seq
	bt, err := MakeBatch([]Prompt{q}, 1, SeqLen(q, true), true, 0)
	if err != nil {
		t.Fatal(err)
	}
	loss, n := r.Step(bt, 1, false)
	return -loss * float64(n)
}

func TestBeamSearchEqualsBruteForceOnWholeCatalogue(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	tr := s.trainer(t, r, 4)
	if err := tr.Run(t.Context(), 0, nil, nil); err != nil {
		t.Fatal(err)
	}
	tpl, _ := s.ts.Get("sequential", "seen:0")
	trie, seqs, err := r.ItemTrie(tpl)
	if err != nil {
		t.Fatal(err)
	}
	smp := s.d.Samples(data.Test, data.SampleOptions{MaxHistory: 10})[0]
	p, err := s.enc.Encode(tpl, smp, false)
	if err != nil {
		t.Fatal(err)
	}
	n := s.d.NumItems()
	brute := make([]float64, n)
	for i := range brute {
		brute[i] = scoreItem(t, r, p, seqs[i])
	}
	var buf []int32
	beams, err := r.LLM.BeamSearchEmbeds(r.PromptEmbeddings(p), llama.BeamOptions{Beams: n, MaxTokens: 16, EOS: s.enc.Tok.EOS(),
		Allowed: func(prefix []int32) []int32 { buf = trie.Allowed(buf[:0], prefix); return buf }})
	if err != nil {
		t.Fatal(err)
	}
	if len(beams) != n {
		t.Fatalf("%d beams for %d items", len(beams), n)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return brute[order[a]] > brute[order[b]] })
	for j, b := range beams {
		it, ok := trie.Item(b.Tokens)
		if !ok {
			t.Fatalf("beam %d (%v) is not an item", j, b.Tokens)
		}
		if math.Abs(b.Score-brute[it]) > 1e-3 {
			t.Errorf("beam %d: item %d score %.5f, brute force %.5f", j, it, b.Score, brute[it])
		}
		if math.Abs(brute[order[j]]-b.Score) > 1e-3 {
			t.Errorf("position %d: beam score %.5f, brute-force %d-th best %.5f", j, b.Score, j+1, brute[order[j]])
		}
	}
}

func TestEvaluateListsValidDistinctItems(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	for _, exclude := range []bool{false, true} {
		res, err := r.Evaluate(s.ts, EvalConfig{Split: data.Test, Task: "sequential", Template: "unseen:0", Beams: 5, Users: 6, Exclude: exclude}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.N != 6 || len(res.Lists) != 6 {
			t.Fatalf("evaluated %d users", res.N)
		}
		for u, l := range res.Lists {
			if len(l) != 5 {
				t.Fatalf("user %d: %d items", u, len(l))
			}
			seen := map[int32]bool{}
			for _, it := range l {
				if seen[it] || it < 0 || int(it) >= s.d.NumItems() {
					t.Fatalf("user %d: bad list %v", u, l)
				}
				seen[it] = true
				if exclude && slices.Contains(s.d.TrainSeq(u), it) {
					t.Fatalf("user %d: excluded training item %d recommended", u, it)
				}
			}
		}
	}
}

func TestScoreAllEqualsBruteForce(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	tr := s.trainer(t, r, 3)
	if err := tr.Run(t.Context(), 0, nil, nil); err != nil {
		t.Fatal(err)
	}
	tpl, _ := s.ts.Get("straightforward", "unseen:0")
	trie, seqs, err := r.ItemTrie(tpl)
	if err != nil {
		t.Fatal(err)
	}
	smp := s.d.Samples(data.Valid, data.SampleOptions{})[3]
	smp.History = nil
	p, err := s.enc.Encode(tpl, smp, false)
	if err != nil {
		t.Fatal(err)
	}
	got := r.ScoreAll(r.PromptEmbeddings(p), trie, s.d.NumItems(), 16)
	for i, seq := range seqs {
		if want := scoreItem(t, r, p, seq); math.Abs(got[i]-want) > 1e-3 {
			t.Errorf("item %d: exact score %.5f, brute force %.5f", i, got[i], want)
		}
	}
	// A decoding step narrower than a trie level gives the same scores.
	old := exactRows
	exactRows = 3
	defer func() { exactRows = old }()
	narrow := r.ScoreAll(r.PromptEmbeddings(p), trie, s.d.NumItems(), 16)
	for i := range got {
		if math.Abs(narrow[i]-got[i]) > 1e-5 {
			t.Fatalf("item %d: %v with 3-row steps, %v with wide steps", i, narrow[i], got[i])
		}
	}
}

func TestEvaluateExactFindsWhatFullBeamFinds(t *testing.T) {
	s := newTinySetup(t)
	r := s.recommender(t)
	n := s.d.NumItems()
	res, err := r.Evaluate(s.ts, EvalConfig{Split: data.Valid, Task: "sequential", Template: "seen:0", Beams: n, Users: 3, Exact: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Exact == nil || res.Exact.N != 3 {
		t.Fatalf("exact ranking missing: %+v", res.Exact)
	}
	if res.BeamMisses != 0 {
		t.Errorf("a beam as wide as the catalogue missed %d exact top items", res.BeamMisses)
	}
	for i := range res.Ks {
		if res.HR(i) != res.Exact.HR(i) {
			t.Errorf("HR@%d: beam %.4f, exact %.4f with a full-width beam", res.Ks[i], res.HR(i), res.Exact.HR(i))
		}
	}
}

// Cancelling a run (what Ctrl-C does) saves a checkpoint at the step it
// stopped; resuming finishes both stages with the same weights as an
// uninterrupted run.
func TestRunStagesCancelThenResume(t *testing.T) {
	s := newTinySetup(t)
	build := func() *Built {
		return &Built{Data: s.d, Templates: s.ts, Rec: s.recommender(t)}
	}
	cfg := DefaultTrainConfig()
	cfg.Batch, cfg.Warmup = 4, 2
	s1, s2 := cfg, cfg
	s1.Steps, s2.Steps = 2, 4

	whole := build()
	if err := RunStages(t.Context(), whole, s1, s2, t.TempDir(), 0, false, Validation{}, Hooks{}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	cut := build()
	err := RunStages(ctx, cut, s1, s2, dir, 0, false, Validation{}, Hooks{OnStep: func(stage int, st StepStats) {
		if stage == 2 && st.Step == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run returned %v", err)
	}
	if st, _, err := CheckpointPosition(filepath.Join(dir, CheckpointFile)); err != nil || st != 2 {
		t.Fatalf("checkpoint after cancel: stage %d, %v", st, err)
	}
	resumed := build()
	if err := RunStages(t.Context(), resumed, s1, s2, dir, 0, true, Validation{}, Hooks{}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		name string
		a, b *Params
	}{{"projectors", whole.Rec.Proj, resumed.Rec.Proj}, {"lora", whole.Rec.LoRA, resumed.Rec.LoRA}} {
		if !slices.Equal(host(whole.Rec, g.a), host(resumed.Rec, g.b)) {
			t.Errorf("%s differ between the uninterrupted and the cancelled-then-resumed run", g.name)
		}
	}
}
