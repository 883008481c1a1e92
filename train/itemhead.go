// The item head: with one token per item (ItemWhole) and a trainable
// backbone, the item tokens' lm_head rows can come from the WALS factors.
// ItemHeadWALS starts stage 2 with each row set to the item's projected
// vector f_i(V[item]) (rescaled to the initialisation's size), so that
// items close in the collaborative space start with close output
// directions. ItemHeadTied keeps them equal to f_i(V[item]) throughout:
// the item projector both writes the history slots and scores the
// candidates, and the head's gradient on those rows trains it.
// ItemHeadTiedID adds a free vector per item to both, the item token's
// input embedding: slot and head row are f_i(V[item]) + E[token], so an
// item the factors describe poorly (the long tail) still gets a
// representation of its own, as SASRec's item embeddings are.

package train

import (
	"fmt"
	"math"

	"embrec/llama"
	"embrec/tensor"
	"embrec/train/data"
)

// Item head initialisations (RunSpec.ItemHead).
const (
	ItemHeadRandom = "random"  // the backbone's own initialisation ("" too)
	ItemHeadWALS   = "wals"    // f_i(V[item]) at stage 2's start
	ItemHeadTied   = "tied"    // f_i(V[item]) at every step (the projector is the head)
	ItemHeadTiedID = "tied-id" // f_i(V[item]) + the item token's embedding, at the head and the history slots
)

// tiedHead holds the rows ItemHeadTied writes and their scratch.
type tiedHead struct {
	toks     []int32        // (NI) token of each item
	ids      bool           // ItemHeadTiedID: add the item token's embedding row
	e        *tensor.Tensor // (NI, C) gathered embedding rows (ids)
	p        *Projector     // the item projector's weights, with activations of its own
	y, dy, z *tensor.Tensor // (NI, C) projections, their gradient, zeros
}

// itemTokens returns each item's single output token under tpl.
func (r *Recommender) itemTokens(tpl data.Template) ([]int32, error) {
	d := r.Enc.Data
	toks := make([]int32, d.NumItems())
	for it := range toks {
		seq := r.Enc.ItemSequence(tpl, int32(it))
		if len(seq) != 3 {
			return nil, fmt.Errorf("train: item %s is %d tokens under this vocabulary; an item head from WALS needs one token per item (--item-tokens whole)", d.Items[it], len(seq)-2)
		}
		toks[it] = seq[1]
	}
	return toks, nil
}

// TieItemHead makes the item tokens' lm_head rows f_i(V[item]) from now
// on: written now, after every optimizer step and checkpoint load, and
// their gradient sent through the item projector.
func (r *Recommender) TieItemHead(tpl data.Template, withIDs bool) error {
	if r.ItemProj == nil || r.Full == nil {
		return fmt.Errorf("train: the tied item head needs embed mode and a trainable backbone (--full)")
	}
	toks, err := r.itemTokens(tpl)
	if err != nil {
		return err
	}
	n, C := len(toks), r.LLM.Config.Hidden
	ip := r.ItemProj
	p := NewProjector(r.b, ip.Name, ip.In, ip.Hidden, ip.Out)
	p.Bind(r.Proj)
	r.tied = &tiedHead{toks: toks, p: p, y: r.b.New(tensor.F32, n, C), dy: r.b.New(tensor.F32, n, C), z: r.b.New(tensor.F32, n, C), ids: withIDs}
	if withIDs {
		r.tied.e = r.b.New(tensor.F32, n, C)
	}
	r.syncItemHead()
	return nil
}

// syncItemHead writes f_i(V) into the item rows of the head. The
// projection's activations stay saved for itemHeadBackward (the weights
// change only between a sync and the next step).
func (r *Recommender) syncItemHead() {
	if r.tied == nil {
		return
	}
	t := r.tied
	t.p.Forward(t.y, r.V) // (NI, C)
	if !t.ids {
		r.b.ScatterRows(r.LLM.Head, t.y, t.toks)
		return
	}
	r.b.EmbeddingForward(t.e, r.LLM.Embed, t.toks)
	r.b.Add(t.e, t.e, t.y)
	r.b.ScatterRows(r.LLM.Head, t.e, t.toks)
}

// itemIDRows adds the item tokens' embedding rows to out (n, C), the
// projected vectors of the history items idx (ItemHeadTiedID).
func (r *Recommender) itemIDRows(out *tensor.Tensor, idx []int32) {
	e := r.scratch("item/ids", len(idx), r.LLM.Config.Hidden)
	r.b.EmbeddingForward(e, r.LLM.Embed, r.itemIDTokens(idx))
	r.b.Add(out, out, e)
}

// itemIDTokens maps item indices to their tokens.
func (r *Recommender) itemIDTokens(idx []int32) []int32 {
	toks := make([]int32, len(idx))
	for i, it := range idx {
		toks[i] = r.tied.toks[it]
	}
	return toks
}

// withItemIDs says whether history slots and head rows carry the item
// token's embedding (ItemHeadTiedID).
func (r *Recommender) withItemIDs() bool { return r.tied != nil && r.tied.ids }

// itemHeadBackward moves the head's gradient on the item rows into the
// item projector's and clears those rows (the optimizer must not move
// them: syncItemHead rewrites them).
func (r *Recommender) itemHeadBackward() {
	t, dHead := r.tied, r.fullGrads.Head
	r.b.EmbeddingForward(t.dy, dHead, t.toks) // gather (NI, C)
	r.b.ScatterRows(dHead, t.z, t.toks)
	t.p.Backward(nil, t.dy, r.V)
	if t.ids {
		r.b.EmbeddingBackward(r.fullGrads.Embed, t.dy, t.toks)
	}
}

// InitItemHead sets the lm_head row of every item's token (its target
// under tpl must be one token between the dataset's name and EOS) to
// f_i(V[item]), scaled to a root mean square of llama.DefaultStd.
func (r *Recommender) InitItemHead(tpl data.Template) error {
	if r.ItemProj == nil || r.Full == nil {
		return fmt.Errorf("train: the WALS item head needs embed mode and a trainable backbone (--full)")
	}
	b, C := r.b, r.LLM.Config.Hidden
	toks, err := r.itemTokens(tpl)
	if err != nil {
		return err
	}
	ni := len(toks)
	y := b.New(tensor.F32, ni, C)
	r.ItemProj.Forward(y, r.V) // (NI, C)
	host := make([]float32, ni*C)
	b.Download(host, y)
	for it, tok := range toks {
		row := host[it*C : (it+1)*C]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		s := float32(llama.DefaultStd / math.Sqrt(ss/float64(C)+1e-30))
		for j := range row {
			row[j] *= s
		}
		b.Upload(r.LLM.Head.Row(int(tok)), row)
	}
	return nil
}
