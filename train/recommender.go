// The recommender: a LLaMA backbone, the CF lookup table, the two
// projectors and optional LoRA adapters, with the forward/backward of one
// batch. In Embeddings mode the input at every user slot is f_u(U[user])
// and at every history slot f_i(V[item]); the loss covers target tokens only.

package train

import (
	"fmt"

	"embrec/llama"
	"embrec/lora"
	"embrec/tensor"
)

// Recommender is everything one training or evaluation run holds.
type Recommender struct {
	LLM      *llama.Model
	Enc      *Encoder
	U, V     *tensor.Tensor // (NU, K), (NI, K) frozen factors
	UserProj *Projector     // nil in TextIDs mode
	ItemProj *Projector
	Adapters *lora.Set // nil without LoRA

	// Trainable groups, each a flat buffer with its own AdamW state. The
	// trainer steps the groups its stage enables.
	Proj, LoRA *Params
	Full       *Params        // the whole backbone (full fine-tuning), or nil
	fullGrads  *llama.Weights // views of Full.G bound as llama weights
	tied       *tiedHead      // ItemHeadTied's state, or nil

	// FlashAttention trains with the backend's fused attention
	// (llama.RunOptions.FlashAttention; the cuda backend). Set it before
	// the first step; Runs already made keep their choice.
	FlashAttention bool

	b    tensor.Backend
	runs map[[2]int]*llama.Run
	scr  map[scratchKey]*tensor.Tensor // gathered factors and projections, by use and size
}

// Options choose the trainable parts.
type Options struct {
	Mode       Mode
	ProjHidden int          // projector hidden width; 0 = the LLM's hidden size
	LoRA       *lora.Config // adapters (stage 2); nil: none
	Full       bool         // train every backbone weight (small models only)
	Seed       uint64
}

// NewRecommender assembles a recommender around llm. f may be nil in
// TextIDs mode.
func NewRecommender(llm *llama.Model, enc *Encoder, f *Factors, opt Options) (*Recommender, error) {
	b := llm.Backend
	c := llm.Config
	r := &Recommender{LLM: llm, Enc: enc, b: b, runs: map[[2]int]*llama.Run{}, scr: map[scratchKey]*tensor.Tensor{}}
	if enc.Tok.VocabSize() > c.Vocab {
		return nil, fmt.Errorf("train: tokenizer has %d pieces, the model's vocabulary %d", enc.Tok.VocabSize(), c.Vocab)
	}
	if opt.Mode == Embeddings {
		if f == nil {
			return nil, fmt.Errorf("train: embeddings mode needs WALS factors")
		}
		nu, ni := enc.Data.NumUsers(), enc.Data.NumItems()
		if len(f.User) != nu*f.K || len(f.Item) != ni*f.K {
			return nil, fmt.Errorf("train: factors (%d, %d) x %d do not fit %d users and %d items",
				len(f.User)/max(f.K, 1), len(f.Item)/max(f.K, 1), f.K, nu, ni)
		}
		r.U, r.V = b.New(tensor.F32, nu, f.K), b.New(tensor.F32, ni, f.K)
		b.Upload(r.U, f.User)
		b.Upload(r.V, f.Item)
		hd := opt.ProjHidden
		if hd <= 0 {
			hd = c.Hidden
		}
		r.UserProj = NewProjector(b, "user_proj", f.K, hd, c.Hidden)
		r.ItemProj = NewProjector(b, "item_proj", f.K, hd, c.Hidden)
		r.Proj = NewParams(b, append(r.UserProj.Specs(), r.ItemProj.Specs()...))
		r.UserProj.Bind(r.Proj)
		r.ItemProj.Bind(r.Proj)
		r.UserProj.Init(opt.Seed + 1)
		r.ItemProj.Init(opt.Seed + 2)
	}
	if opt.LoRA != nil {
		set, p, err := NewLoRA(llm, *opt.LoRA, 0, opt.Seed+3)
		if err != nil {
			return nil, err
		}
		r.Adapters, r.LoRA = set, p
	}
	if opt.Full {
		if err := llm.MakeWritable(); err != nil {
			return nil, err
		}
		g, gp := llm.NewGrads()
		r.fullGrads = g
		r.Full = &Params{W: llm.Params.Flat, G: gp.Flat, M: b.New(tensor.F32, gp.Flat.Len()),
			V: b.New(tensor.F32, gp.Flat.Len()), b: b}
	}
	return r, nil
}

// AttachAdapters plugs (on) or unplugs the LoRA adapters into the backbone.
func (r *Recommender) AttachAdapters(on bool) {
	if r.Adapters != nil {
		AttachLoRA(r.LLM, r.Adapters, on)
	}
}

// run returns the cached llama.Run for (B, T).
func (r *Recommender) run(B, T int) *llama.Run {
	k := [2]int{B, T}
	if run, ok := r.runs[k]; ok {
		return run
	}
	// A backbone frozen in BF16 (the GPU) keeps its saved MLP activations
	// in BF16 too: they are the largest part of the activation memory.
	opt := llama.RunOptions{SaveBF16: r.LLM.Layers[0].Gate.DType() == tensor.BF16, FlashAttention: r.FlashAttention}
	if r.Full != nil {
		opt.Grads = r.fullGrads
	}
	run := r.LLM.NewRun(B, T, opt)
	r.runs[k] = run
	return run
}

type scratchKey struct {
	use  string
	n, c int
}

// scratch returns an (n, c) buffer for the named use, cached by shape.
func (r *Recommender) scratch(use string, n, c int) *tensor.Tensor {
	key := scratchKey{use, n, c}
	if t, ok := r.scr[key]; ok {
		return t
	}
	t := r.b.New(tensor.F32, n, c)
	r.scr[key] = t
	return t
}

// slotGroup is the user or the item side of a batch's injected vectors.
type slotGroup struct {
	name       string
	p          *Projector
	table      *tensor.Tensor // (NU or NI, K) factors
	rows, idxs []int32        // row in (N, C) and factor row of each slot
	vecs       []float32      // (len(rows), K) vectors given instead of table rows, or nil
}

// slots are the injected positions of a batch or a prompt.
type slots struct {
	userRows, userIdx, itemRows, itemIdx []int32
	userVecs                             []float32 // folded-in user vectors, or nil
}

func (r *Recommender) slotGroups(s slots) [2]slotGroup {
	return [2]slotGroup{{"user", r.UserProj, r.U, s.userRows, s.userIdx, s.userVecs}, {"item", r.ItemProj, r.V, s.itemRows, s.itemIdx, nil}}
}

func batchSlots(bt *Batch) slots {
	return slots{bt.UserRows, bt.UserIdx, bt.ItemRows, bt.ItemIdx, bt.UserVecs}
}

// factors gathers the group's factor rows (or uploads its given vectors)
// into scratch (n, K).
func (r *Recommender) factors(g slotGroup) *tensor.Tensor {
	f := r.scratch(g.name+"/factors", len(g.rows), g.table.Cols())
	if g.vecs != nil {
		r.b.Upload(f, g.vecs)
		return f
	}
	r.b.EmbeddingForward(f, g.table, g.idxs)
	return f
}

// inject writes the projected user and item vectors into x (N, C).
func (r *Recommender) inject(x *tensor.Tensor, s slots) {
	if r.UserProj == nil {
		return
	}
	for _, g := range r.slotGroups(s) {
		if len(g.rows) == 0 {
			continue
		}
		out := r.scratch(g.name+"/proj", len(g.rows), r.LLM.Config.Hidden)
		g.p.Forward(out, r.factors(g)) // (n, C)
		if g.name == "item" && r.withItemIDs() {
			r.itemIDRows(out, g.idxs)
		}
		r.b.ScatterRows(x, out, g.rows)
	}
}

// projBackward takes dInput (N, C) to the projectors' gradients.
func (r *Recommender) projBackward(dx *tensor.Tensor, bt *Batch) {
	if r.UserProj == nil {
		return
	}
	for _, g := range r.slotGroups(batchSlots(bt)) {
		if len(g.rows) == 0 {
			continue
		}
		d := r.scratch(g.name+"/dproj", len(g.rows), r.LLM.Config.Hidden)
		r.b.EmbeddingForward(d, dx, g.rows) // gather dInput at the slots
		g.p.Backward(nil, d, r.factors(g))
		if g.name == "item" && r.withItemIDs() {
			r.b.EmbeddingBackward(r.fullGrads.Embed, d, r.itemIDTokens(g.idxs))
		}
	}
}

// Step runs forward and backward on one batch, accumulating scale times the
// gradient of the mean target-token loss into every enabled group, and
// returns the mean loss and the number of target tokens.
func (r *Recommender) Step(bt *Batch, scale float32, backward bool) (float64, int) {
	run := r.run(bt.B, bt.T)
	run.EmbedIDs(bt.IDs)
	C := r.LLM.Config.Hidden
	x := run.Input().Reshape(bt.B*bt.T, C)
	r.inject(x, batchSlots(bt))
	var drop *tensor.Tensor
	if backward && bt.Dropout > 0 {
		drop = r.scratch("dropout", bt.B*bt.T, C)
		r.b.DropoutForward(x, drop, x, bt.Dropout, bt.DropSeed)
	}
	resid := float32(0) // training steps only
	if backward {
		resid = bt.ResidualDropout
	}
	run.SetDropout(resid, bt.DropSeed)
	run.Forward(bt.Mask)
	loss, n := run.Loss(bt.Targets)
	if !backward {
		return loss, n
	}
	run.BackwardLoss(scale)
	if drop != nil {
		dx := run.DInput().Reshape(bt.B*bt.T, C)
		r.b.DropoutBackward(dx, dx, drop)
	}
	if r.UserProj != nil {
		r.projBackward(run.DInput().Reshape(bt.B*bt.T, C), bt)
	}
	if r.tied != nil {
		r.itemHeadBackward()
	}
	if r.Full != nil {
		ids := append([]int32(nil), bt.IDs...)
		for _, rw := range bt.UserRows {
			ids[rw] = -1 // injected vectors: no token embedding gradient
		}
		for _, rw := range bt.ItemRows {
			ids[rw] = -1
		}
		run.EmbedBackward(ids)
	}
	return loss, n
}

// PromptEmbeddings returns the (P, C) input embeddings of prompt p: token
// embeddings with the projected vectors at its slots.
func (r *Recommender) PromptEmbeddings(p Prompt) *tensor.Tensor {
	x := r.b.New(tensor.F32, len(p.Input), r.LLM.Config.Hidden)
	r.b.EmbeddingForward(x, r.LLM.Embed, p.Input)
	var s slots
	for _, at := range p.UserSlots {
		s.userRows, s.userIdx = append(s.userRows, int32(at)), append(s.userIdx, p.User)
		s.userVecs = append(s.userVecs, p.UserVec...)
	}
	for i, at := range p.ItemSlots {
		s.itemRows, s.itemIdx = append(s.itemRows, int32(at)), append(s.itemIdx, p.Items[i])
	}
	r.inject(x, s)
	return x
}
