// Evaluation as OpenP5 does it: the prompt (seen template 0 or the unseen
// one) plus " Response:", beam search constrained by the trie of every
// item's tokens, the beams in score order as the top-k list, and HR@k /
// NDCG@k over the users of a split.

package train

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"embrec/tensor"
	"embrec/train/data"
	"embrec/train/metrics"
)

// EvalConfig selects what to evaluate.
type EvalConfig struct {
	Split    data.Split
	Task     string // "sequential" or "straightforward"
	Template string // "seen:0" or "unseen:0"
	Beams    int    // 10 in OpenP5
	Users    int    // evaluate Users users (0: all): the first ones, or a sample (SampleUsers)
	// SampleUsers takes the Users users as a seeded uniform sample (kept
	// in file order) instead of the file's first ones, which need not be
	// typical: Beauty's first 2,000 users score about half the others.
	SampleUsers bool
	// Exclude removes the user's training items from the candidates by
	// pruning them from the trie for that user (OpenP5 does not).
	Exclude bool
	// Exact also scores every item's full sequence (ScoreAll) and ranks
	// the whole catalogue, beyond the paper: the exact top-k that beam
	// search approximates.
	Exact bool
}

// EvalResult holds the metrics and, per user, the ranked items.
type EvalResult struct {
	Config EvalConfig
	*metrics.Mean
	Lists [][]int32 // per evaluated user, item indices in beam order
	Ranks []int     // per evaluated user, the target's position in its list (0: absent)
	// With Config.Exact: metrics of the exact full-catalogue ranking, and
	// how many of each user's exact top-Beams items beam search missed
	// (summed over users; divide by N*Beams for a rate).
	Exact      *metrics.Mean
	BeamMisses int
}

// ItemTrie builds the trie of every catalogue item's output tokens under
// tpl, with the sequences it was built from.
func (r *Recommender) ItemTrie(tpl data.Template) (*Trie, [][]int32, error) {
	n := r.Enc.Data.NumItems()
	seqs := make([][]int32, n)
	items := make([]int32, n)
	for i := range seqs {
		seqs[i] = r.Enc.ItemSequence(tpl, int32(i))
		items[i] = int32(i)
	}
	t, err := NewTrie(seqs, items)
	return t, seqs, err
}

// Catalogue is the trie of every item's output tokens under one template,
// ready for constrained decoding.
type Catalogue struct {
	Trie   *Trie
	Seqs   [][]int32 // item index -> tokens
	MaxLen int       // longest sequence
	pr     *pruner
}

// NewCatalogue builds the catalogue of tpl.
func (r *Recommender) NewCatalogue(tpl data.Template) (*Catalogue, error) {
	trie, seqs, err := r.ItemTrie(tpl)
	if err != nil {
		return nil, err
	}
	c := &Catalogue{Trie: trie, Seqs: seqs, pr: newPruner(trie, seqs)}
	for _, s := range seqs {
		c.MaxLen = max(c.MaxLen, len(s))
	}
	return c, nil
}

// Scored is a recommended item and its beam's log-probability.
type Scored struct {
	Item  int32
	Score float64
}

// BeamItems decodes the prompt embeddings x (P, C) with beam search
// constrained to the catalogue, never completing an item of exclude, and
// returns the items of the finished beams, best first.
func (r *Recommender) BeamItems(x *tensor.Tensor, c *Catalogue, beams int, exclude []int32) ([]Scored, error) {
	res, err := r.BeamItemsBatch([]BeamQuery{{X: x, Cat: c, Beams: beams, Exclude: exclude}})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// Evaluate runs constrained beam search for every user of the split.
// progress, if set, is called after each user.
func (r *Recommender) Evaluate(ts *data.TemplateSet, cfg EvalConfig, progress func(done, total int)) (*EvalResult, error) {
	tpl, err := ts.Get(cfg.Task, cfg.Template)
	if err != nil {
		return nil, err
	}
	cat, err := r.NewCatalogue(tpl)
	if err != nil {
		return nil, err
	}
	d := r.Enc.Data
	samples := r.Enc.Samples(cfg.Split)
	if cfg.Users > 0 && cfg.Users < len(samples) {
		if cfg.SampleUsers {
			samples = SampleOf(samples, cfg.Users)
		} else {
			samples = samples[:cfg.Users]
		}
	}
	ks := EvalCutoffs(cfg.Beams)
	res := &EvalResult{Config: cfg, Mean: metrics.NewMean(ks)}
	if cfg.Exact {
		res.Exact = metrics.NewMean(ks)
	}
	r.AttachAdaptersIfTrained()
	for i, s := range samples {
		if cfg.Task == "straightforward" {
			s.History = nil
		}
		p, err := r.Enc.Encode(tpl, s, false)
		if err != nil {
			return nil, err
		}
		var exclude []int32
		if cfg.Exclude {
			exclude = d.TrainSeq(s.User)
		}
		x := r.PromptEmbeddings(p)
		scored, err := r.BeamItems(x, cat, cfg.Beams, exclude)
		if err != nil {
			return nil, fmt.Errorf("train: user %s: %w", d.Users[s.User], err)
		}
		list := make([]int32, len(scored))
		for j, sc := range scored {
			list[j] = sc.Item
		}
		rank := 0 // 0: not in the list
		for j, it := range list {
			if it == s.Target {
				rank = j + 1
				break
			}
		}
		res.Add(rank)
		res.Lists = append(res.Lists, list)
		res.Ranks = append(res.Ranks, rank)
		if cfg.Exact {
			sc := r.ScoreAll(x, cat.Trie, d.NumItems(), cat.MaxLen)
			f32 := make([]float32, len(sc))
			for j, v := range sc {
				f32[j] = float32(v)
			}
			ex := metrics.Set(exclude)
			res.Exact.Add(metrics.Rank(f32, s.Target, ex))
			for _, it := range metrics.TopK(nil, f32, cfg.Beams, ex) {
				if !slices.Contains(list, it) {
					res.BeamMisses++
				}
			}
		}
		if progress != nil {
			progress(i+1, len(samples))
		}
	}
	return res, nil
}

// AttachAdaptersIfTrained plugs LoRA in for inference when it exists.
func (r *Recommender) AttachAdaptersIfTrained() { r.AttachAdapters(r.Adapters != nil) }

// pruner answers Allowed on a trie with one user's excluded items removed:
// a child is allowed while its subtree holds an item not excluded.
type pruner struct {
	t       *Trie
	seqs    [][]int32
	total   []int32         // items under each node
	removed map[int32]int32 // per node, excluded items under it (this user)
	seen    map[int32]bool  // the excluded items, each counted once
}

func newPruner(t *Trie, seqs [][]int32) *pruner {
	p := &pruner{t: t, seqs: seqs, total: make([]int32, t.Len())}
	for _, s := range seqs {
		n := int32(0)
		p.total[0]++
		for _, tok := range s {
			n = t.child(n, tok, false)
			p.total[n]++
		}
	}
	return p
}

// forUser returns a pruner over the same trie (sharing its counts) that
// removes items: each query of a batch has its own.
func (p *pruner) forUser(items []int32) *pruner {
	q := &pruner{t: p.t, seqs: p.seqs, total: p.total, removed: map[int32]int32{}, seen: map[int32]bool{}}
	q.exclude(items)
	return q
}

func (p *pruner) exclude(items []int32) {
	for _, it := range items {
		if p.seen[it] {
			continue
		}
		p.seen[it] = true
		n := int32(0)
		for _, tok := range p.seqs[it] {
			n = p.t.child(n, tok, false)
			p.removed[n]++
		}
	}
}

func (p *pruner) allowed(dst []int32, prefix []int32) []int32 {
	n := p.t.Node(prefix)
	if n < 0 {
		return dst
	}
	for _, e := range p.t.nodes[n].next {
		if p.total[e.node] > p.removed[e.node] {
			dst = append(dst, e.tok)
		}
	}
	return dst
}

// EvalCutoffs are the cut-offs k of HR@k and NDCG@k for lists of length
// beams: metrics.DefaultKs (5, 10), each at most the list length (a list
// of 5 has no HR@10 of its own).
func EvalCutoffs(beams int) []int {
	var ks []int
	for _, k := range metrics.DefaultKs {
		if beams > 0 {
			k = min(k, beams)
		}
		if len(ks) == 0 || ks[len(ks)-1] != k {
			ks = append(ks, k)
		}
	}
	return ks
}

// userSampleSeed fixes the sample of SampleOf, so that every run of a
// dataset validates on the same users.
const userSampleSeed = 0x5eed

// SampleOf returns n of samples (one per user) chosen uniformly with a
// fixed seed, in their original order.
func SampleOf(samples []data.Sample, n int) []data.Sample {
	if n <= 0 || n >= len(samples) {
		return samples
	}
	pick := rand.New(rand.NewPCG(userSampleSeed, uint64(len(samples)))).Perm(len(samples))[:n]
	slices.Sort(pick)
	out := make([]data.Sample, n)
	for i, j := range pick {
		out[i] = samples[j]
	}
	return out
}
