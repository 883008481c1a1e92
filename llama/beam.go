// Beam search with a prefix constraint (the trie of item ids): beams are
// rows of one Decoder, reshuffled through Decoder.Reorder every step.
// The search itself, over one prompt or many at once, is in beam_batch.go.

package llama

import (
	"fmt"

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
	// Stop, when set, is called before each decoding step; true ends the
	// search at once (BeamSearchBatch: that prompt's result is nil, and its
	// rows leave the batch). Cancellation of a served request.
	Stop func() bool
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
// Beams results, best first. It is BeamSearchBatch with one prompt.
func (m *Model) BeamSearchEmbeds(prompt *tensor.Tensor, opt BeamOptions) ([]Beam, error) {
	res, err := m.BeamSearchBatch([]BeamPrompt{{Embeds: prompt, Opt: opt}})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// logSoftmax sets dst = x - logsumexp(x) in float64, with beam search's
// log-sum-exp.
func logSoftmax(dst []float64, x []float32) {
	lse := tensor.LogSumExp(x)
	for i, v := range x {
		dst[i] = float64(v) - lse
	}
}
