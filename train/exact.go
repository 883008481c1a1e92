// Exact ranking: the log-probability of every catalogue item's full token
// sequence given the prompt, each trie node's step computed once (shared
// prefixes are decoded a single time), so the true top-k is known rather
// than beam search's approximation of it.

package train

import (
	"math"

	"embrec/llama"
	"embrec/tensor"
)

// exactRows bounds the rows of one decoding step of ScoreAll (and
// so its KV-cache memory: each row holds prompt + item tokens).
var exactRows = 256

// ScoreAll returns, for every item of trie, log P(item tokens | prompt) under
// the backbone, prompt being the (P, C) input embeddings.
func (r *Recommender) ScoreAll(prompt *tensor.Tensor, trie *Trie, numItems, maxLen int) []float64 {
	m, b := r.LLM, r.b
	V := m.Config.Vocab
	P := prompt.Rows()
	max := P + maxLen
	pre := m.NewDecoder(1, max, P)
	b.Copy(pre.Input(P), prompt)
	lg := pre.Step(P, nil, false)
	host := make([]float32, V)
	b.Download(host, lg)
	scores := make([]float64, numItems)
	for i := range scores {
		scores[i] = math.Inf(-1)
	}
	s := &exactScorer{r: r, trie: trie, scores: scores, max: max, lp: make([]float64, V)}
	s.expand(pre, []int32{0}, [][]float32{host}, []float64{0})
	return scores
}

type exactScorer struct {
	r      *Recommender
	trie   *Trie
	scores []float64
	max    int
	lp     []float64
}

type pending struct {
	row   int   // parent's row in its decoder
	tok   int32 // token that leads to node
	node  int32
	score float64
}

// expand scores the children of nodes (rows of dec, with their next-token
// logits) and recurses into the non-terminal ones.
func (s *exactScorer) expand(dec *llama.Decoder, nodes []int32, logits [][]float32, nodeScore []float64) {
	var next []pending
	for i, n := range nodes {
		toks, kids := s.trie.Children(n)
		if len(toks) == 0 {
			continue
		}
		logSoftmax64(s.lp, logits[i])
		for j, t := range toks {
			sc := nodeScore[i] + s.lp[t]
			if it := s.trie.Terminal(kids[j]); it >= 0 {
				s.scores[it] = sc
				continue
			}
			next = append(next, pending{i, t, kids[j], sc})
		}
	}
	m, b := s.r.LLM, s.r.b
	V := m.Config.Vocab
	for lo := 0; lo < len(next); lo += exactRows {
		chunk := next[lo:min(lo+exactRows, len(next))]
		nd := m.NewDecoder(len(chunk), s.max, 1)
		toks := make([]int32, len(chunk))
		ns := make([]int32, len(chunk))
		sc := make([]float64, len(chunk))
		for j, p := range chunk {
			nd.CopyRow(j, dec, p.row)
			toks[j], ns[j], sc[j] = p.tok, p.node, p.score
		}
		lg := nd.StepIDs(toks, nil, false)
		host := make([]float32, len(chunk)*V)
		b.Download(host, lg)
		rows := make([][]float32, len(chunk))
		for j := range rows {
			rows[j] = host[j*V : (j+1)*V]
		}
		s.expand(nd, ns, rows, sc)
	}
}

// logSoftmax64 sets dst = x - logsumexp(x) in float64.
func logSoftmax64(dst []float64, x []float32) {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v) - mx)
	}
	lse := mx + math.Log(sum)
	for i, v := range x {
		dst[i] = float64(v) - lse
	}
}
