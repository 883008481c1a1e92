// Batched constrained decoding: several prompts (users, tasks, beam
// widths, excluded items) decoded in one llama.BeamSearchBatch, each
// constrained to its catalogue's trie (pruned of its own excluded items).

package train

import (
	"embrec/llama"
	"embrec/tensor"
)

// BeamQuery is one prompt of BeamItemsBatch.
type BeamQuery struct {
	X       *tensor.Tensor // (P, C) prompt embeddings (PromptEmbeddings)
	Cat     *Catalogue     // the items it may complete
	Beams   int            // beam width = length of the list
	Exclude []int32        // items it must not complete
	Stop    func() bool    // polled each step; true abandons the query (nil result)
}

// BeamItemsBatch decodes every query in one batch and returns, per query,
// the items of its finished beams, best first (nil for a stopped query).
func (r *Recommender) BeamItemsBatch(qs []BeamQuery) ([][]Scored, error) {
	ps := make([]llama.BeamPrompt, len(qs))
	eos := r.Enc.Tok.EOS()
	for i, q := range qs {
		allowed := q.Cat.Trie.Allowed
		if len(q.Exclude) > 0 {
			allowed = q.Cat.pr.forUser(q.Exclude).allowed
		}
		var buf []int32
		ps[i] = llama.BeamPrompt{Embeds: q.X, Opt: llama.BeamOptions{
			Beams: q.Beams, MaxTokens: q.Cat.MaxLen, EOS: eos, Stop: q.Stop,
			Allowed: func(prefix []int32) []int32 { buf = allowed(buf[:0], prefix); return buf },
		}}
	}
	res, err := r.LLM.BeamSearchBatch(ps)
	if err != nil {
		return nil, err
	}
	out := make([][]Scored, len(qs))
	for i, bs := range res {
		if bs == nil {
			continue
		}
		out[i] = make([]Scored, 0, len(bs))
		for _, b := range bs {
			if it, ok := qs[i].Cat.Trie.Item(b.Tokens); ok {
				out[i] = append(out[i], Scored{it, b.Score})
			}
		}
	}
	return out, nil
}
