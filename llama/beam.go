// Beam search with a prefix constraint (the trie of item ids): beams are
// rows of one Decoder, reshuffled through Decoder.Reorder every step.

package llama

import (
	"fmt"
	"math"
	"sort"

	"embrec/tensor"
)

// BeamOptions configure BeamSearch.
type BeamOptions struct {
	Beams     int   // K, number of beams (and of results)
	MaxTokens int   // new tokens at most
	EOS       int32 // ends a beam (kept in its tokens); < 0: none
	// Allowed, when set, returns the tokens that may follow prefix (the
	// tokens generated so far, without the prompt); nil or empty ends that
	// beam. Scores are log-softmax over the whole vocabulary, restricted to
	// the allowed tokens afterwards (as HF's prefix_allowed_tokens_fn).
	Allowed func(prefix []int32) []int32
	// LengthPenalty: a finished beam ranks by Score / len^LengthPenalty,
	// len the number of generated tokens (0: the raw sum of log-probs).
	LengthPenalty float64
}

// Beam is one result of BeamSearch.
type Beam struct {
	Tokens   []int32 // generated tokens (EOS included when it ended the beam)
	Score    float64 // sum of the tokens' log-probabilities
	Rank     float64 // Score / len(Tokens)^LengthPenalty, the sort key
	Finished bool    // ended by EOS (or by an empty Allowed set)
}

// BeamSearch decodes the continuation of the token ids prompt.
func (m *Model) BeamSearch(prompt []int32, opt BeamOptions) ([]Beam, error) {
	for _, id := range prompt {
		if id < 0 || int(id) >= m.Config.Vocab {
			return nil, fmt.Errorf("llama: beam search: token %d outside the vocabulary of %d", id, m.Config.Vocab)
		}
	}
	if len(prompt) == 0 {
		return nil, fmt.Errorf("llama: beam search: empty prompt")
	}
	x := m.Backend.New(tensor.F32, len(prompt), m.Config.Hidden)
	m.Backend.EmbeddingForward(x, m.Embed, prompt)
	return m.BeamSearchEmbeds(x, opt)
}

// BeamSearchEmbeds decodes from a prompt given as input embeddings
// (P, C) — token embeddings with injected vectors — and returns up to
// Beams results, best first.
func (m *Model) BeamSearchEmbeds(prompt *tensor.Tensor, opt BeamOptions) ([]Beam, error) {
	c, b := m.Config, m.Backend
	P := prompt.Rows()
	K := opt.Beams
	if K <= 0 || opt.MaxTokens <= 0 || prompt.Cols() != c.Hidden || P == 0 {
		return nil, fmt.Errorf("llama: beam search: %d beams, %d tokens, prompt %v", K, opt.MaxTokens, prompt)
	}
	if P+opt.MaxTokens > c.MaxPos {
		return nil, fmt.Errorf("llama: beam search: prompt of %d plus %d tokens exceeds max_position_embeddings %d", P, opt.MaxTokens, c.MaxPos)
	}
	Max := P + opt.MaxTokens
	pre := m.NewDecoder(1, Max, P)
	b.Copy(pre.Input(P), prompt)
	lg := pre.Step(P, nil, false)
	d := m.NewDecoder(K, Max, 1)
	for r := 0; r < K; r++ {
		d.CopyRow(r, pre, 0)
	}
	V := c.Vocab
	host := make([]float32, K*V)
	b.Download(host[:V], lg)

	type live struct {
		tokens []int32
		score  float64
	}
	beams := []live{{}}
	var finished []Beam
	rank := func(score float64, n int) float64 {
		if opt.LengthPenalty == 0 || n == 0 {
			return score
		}
		return score / math.Pow(float64(n), opt.LengthPenalty)
	}
	type cand struct {
		score  float64
		parent int
		tok    int32
	}
	var cands []cand
	lp := make([]float64, V)
	all := make([]int32, V)
	for i := range all {
		all[i] = int32(i)
	}
	for step := 0; step < opt.MaxTokens && len(beams) > 0; step++ {
		cands = cands[:0]
		for i, bm := range beams {
			allowed := all
			if opt.Allowed != nil {
				allowed = opt.Allowed(bm.tokens)
				if len(allowed) == 0 {
					if len(bm.tokens) > 0 {
						finished = append(finished, Beam{Tokens: bm.tokens, Score: bm.score, Rank: rank(bm.score, len(bm.tokens)), Finished: true})
					}
					continue
				}
			}
			logSoftmax(lp, host[i*V:(i+1)*V])
			for _, t := range allowed {
				if t < 0 || int(t) >= V {
					return nil, fmt.Errorf("llama: beam search: Allowed returned token %d outside the vocabulary of %d", t, V)
				}
				cands = append(cands, cand{bm.score + lp[t], i, t})
			}
		}
		sort.Slice(cands, func(a, b int) bool {
			if cands[a].score != cands[b].score {
				return cands[a].score > cands[b].score
			}
			if cands[a].parent != cands[b].parent {
				return cands[a].parent < cands[b].parent
			}
			return cands[a].tok < cands[b].tok
		})
		var next []live
		src := make([]int, K)
		feed := make([]int32, K)
		for j, cd := range cands {
			if len(next) == K || j >= 2*K {
				break
			}
			toks := append(append([]int32(nil), beams[cd.parent].tokens...), cd.tok)
			if cd.tok == opt.EOS {
				finished = append(finished, Beam{Tokens: toks, Score: cd.score, Rank: rank(cd.score, len(toks)), Finished: true})
				continue
			}
			src[len(next)], feed[len(next)] = cd.parent, cd.tok
			next = append(next, live{toks, cd.score})
		}
		beams = next
		if len(finished) >= K && opt.LengthPenalty == 0 {
			// Scores only fall: no live beam can overtake the K-th finished one.
			sort.Slice(finished, func(a, b int) bool { return finished[a].Rank > finished[b].Rank })
			if len(beams) == 0 || beams[0].score <= finished[K-1].Rank {
				beams = nil
				break
			}
		}
		if len(beams) == 0 || step+1 == opt.MaxTokens {
			break
		}
		d.Reorder(src)
		lg = d.StepIDs(feed, nil, false)
		b.Download(host, lg)
	}
	for _, bm := range beams { // unfinished beams at the length limit
		finished = append(finished, Beam{Tokens: bm.tokens, Score: bm.score, Rank: rank(bm.score, len(bm.tokens))})
	}
	sort.SliceStable(finished, func(a, b int) bool { return finished[a].Rank > finished[b].Rank })
	if len(finished) > K {
		finished = finished[:K]
	}
	return finished, nil
}

// logSoftmax sets dst = x - logsumexp(x) in float64.
func logSoftmax(dst []float64, x []float32) {
	mx := x[Argmax(x)]
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v - mx))
	}
	lse := float64(mx) + math.Log(s)
	for i, v := range x {
		dst[i] = float64(v) - lse
	}
}
