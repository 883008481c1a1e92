// Batched beam search: the beams of several prompts decode as rows of one
// Decoder, so each step is one forward of B = (live beams of every prompt)
// rows. Prompts of equal length are prefilled together; the prefilled
// rows are then right-aligned (left-padded, the padding masked) in the
// decoding batch. Each prompt's search (candidates, ordering, stopping) is
// exactly the single-prompt one, so on a backend whose products do not
// depend on the number of rows (tensor.BatchInvariant) a prompt's beams are
// the same, scores included, whatever prompts share its batch.

package llama

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"embrec/tensor"
)

// BeamPrompt is one prompt of BeamSearchBatch: its input embeddings
// (P, C) and its own options. Opt.Stop, when set, is called before each
// decoding step; true ends this prompt's search (its result is nil).
type BeamPrompt struct {
	Embeds *tensor.Tensor
	Opt    BeamOptions
}

// prefillRows bounds the rows (prompts x length) of one prefill forward.
const prefillRows = 512

// The Model.beamDecs slots.
const (
	prefillSlot = iota
	decodeSlot
)

// cachedDecoder returns the model's decoder of slot, emptied, with rows
// rows, at least max positions and steps of maxStep; a new one when the
// kept one is too small (or over twice too long: every decoding step
// attends over all of its positions). A new one keeps the larger of each
// size of the one it replaces, so that batches of alternating shapes
// (prompt lengths, batch sizes) settle on one decoder instead of
// allocating a new one every time.
func (m *Model) cachedDecoder(slot, rows, maxPos, maxStep int) *Decoder {
	d := m.beamDecs[slot]
	if d == nil || d.Cap < rows || d.Max < maxPos || d.Max > 2*maxPos || d.MaxStep < maxStep {
		if d != nil && d.Max <= 2*maxPos {
			rows, maxPos, maxStep = max(rows, d.Cap), max(maxPos, d.Max), max(maxStep, d.MaxStep)
		}
		d = m.NewDecoder(rows, maxPos, maxStep)
		m.beamDecs[slot] = d
	}
	d.Reset()
	d.B = rows
	return d
}

// beamScratch is BeamSearchBatch's host-side memory, kept between calls:
// the logits rows and their log-sum-exps, the prefill's downloads, the
// token list and the candidates. At a catalogue's vocabulary these are
// megabytes a call; allocating them afresh (and growing the candidates
// from nothing) was a third of an evaluation's CPU time.
type beamScratch struct {
	host, tmp []float32
	lse       []float64
	all       []int32
	cands     []beamCand
}

// grown returns s resliced to n elements, or a new slice when s cannot
// hold n. The contents are not cleared.
func grown[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// beamState is one prompt's search.
type beamState struct {
	opt      BeamOptions
	beams    []beamLive
	finished []Beam
	row0     int  // decoder row of beams[0] this step
	done     bool // no more steps
	stopped  bool // ended by Opt.Stop
}

type beamLive struct {
	tokens []int32
	score  float64
}

type beamCand struct {
	score  float64
	parent int
	tok    int32
}

// BeamSearchBatch decodes every prompt with beam search, all of them in
// one batch, and returns each prompt's beams, best first (nil for a prompt
// that Opt.Stop ended).
func (m *Model) BeamSearchBatch(prompts []BeamPrompt) ([][]Beam, error) {
	c, b := m.Config, m.Backend
	if len(prompts) == 0 {
		return nil, nil
	}
	st := make([]*beamState, len(prompts))
	maxP, maxNew, rows := 0, 0, 0
	for i, p := range prompts {
		x, opt := p.Embeds, p.Opt
		if x == nil || opt.Beams <= 0 || opt.MaxTokens <= 0 || x.Cols() != c.Hidden || x.Rows() == 0 {
			return nil, fmt.Errorf("llama: beam search: prompt %d: %d beams, %d tokens, prompt %v", i, opt.Beams, opt.MaxTokens, x)
		}
		if x.Rows()+opt.MaxTokens > c.MaxPos {
			return nil, fmt.Errorf("llama: beam search: prompt of %d plus %d tokens exceeds max_position_embeddings %d", x.Rows(), opt.MaxTokens, c.MaxPos)
		}
		st[i] = &beamState{opt: opt, beams: []beamLive{{}}, row0: i}
		maxP, maxNew, rows = max(maxP, x.Rows()), max(maxNew, opt.MaxTokens), rows+opt.Beams
	}
	if maxP+maxNew > c.MaxPos {
		return nil, fmt.Errorf("llama: beam search: a batch with prompts of up to %d and %d new tokens exceeds max_position_embeddings %d", maxP, maxNew, c.MaxPos)
	}
	V, sc := c.Vocab, &m.beamBuf
	sc.host = grown(sc.host, max(rows, len(prompts))*V)
	host := sc.host // rows are read only after a prefill or a step wrote them
	d := m.cachedDecoder(decodeSlot, max(rows, len(prompts)), maxP+maxNew, 1)
	m.prefill(d, prompts, maxP, host)
	d.B = len(prompts)

	if len(sc.all) != V {
		sc.all = make([]int32, V)
		for i := range sc.all {
			sc.all[i] = int32(i)
		}
	}
	all := sc.all
	cands := sc.cands[:0]
	defer func() { sc.cands = cands[:0] }() // keep what the candidates grew to
	var src []int
	var feed []int32
	sc.lse = grown(sc.lse, max(rows, len(prompts)))
	lse := sc.lse
	live := len(prompts) // rows of host holding this step's logits
	for step := 0; ; step++ {
		rowLSE(lse[:live], host, V)
		src, feed = src[:0], feed[:0]
		for _, s := range st {
			if s.done {
				continue
			}
			if s.opt.Stop != nil && s.opt.Stop() {
				s.done, s.stopped, s.beams = true, true, nil
				continue
			}
			var err error
			if cands, err = s.expand(step, host, lse, V, all, cands); err != nil {
				return nil, err
			}
			if s.done {
				continue
			}
			for _, cd := range s.beams { // s.beams now holds the next step's beams
				feed = append(feed, cd.tokens[len(cd.tokens)-1])
			}
			// expand left each new beam's parent row in cands[i].parent.
			base := len(src)
			for j := range s.beams {
				src = append(src, s.row0+cands[j].parent)
			}
			s.row0 = base
		}
		if len(src) == 0 {
			break
		}
		d.Reorder(src)
		lg := d.StepIDs(feed, nil, false)
		b.Download(host[:len(src)*V], lg)
		live = len(src)
	}
	out := make([][]Beam, len(st))
	for i, s := range st {
		if !s.stopped {
			out[i] = s.result()
		}
	}
	return out, nil
}

// prefill runs every prompt (grouped by length, up to prefillRows rows a
// forward) and loads its cache right-aligned into row i of d, its
// last-position logits into host row i.
func (m *Model) prefill(d *Decoder, prompts []BeamPrompt, maxP int, host []float32) {
	b, V := m.Backend, m.Config.Vocab
	byLen := map[int][]int{}
	var lens []int
	for i, p := range prompts {
		P := p.Embeds.Rows()
		if byLen[P] == nil {
			lens = append(lens, P)
		}
		byLen[P] = append(byLen[P], i)
	}
	sort.Ints(lens)
	pre := m.cachedDecoder(prefillSlot, max(1, prefillRows/maxP), maxP, maxP)
	for _, P := range lens {
		idx := byLen[P]
		for lo := 0; lo < len(idx); lo += pre.Cap {
			chunk := idx[lo:min(lo+pre.Cap, len(idx))]
			pre.Reset()
			pre.B = len(chunk)
			in := pre.Input(P)
			C := m.Config.Hidden
			for j, i := range chunk {
				b.Copy(in.View(j*P*C, P, C), prompts[i].Embeds)
			}
			lg := pre.Step(P, nil, false)
			m.beamBuf.tmp = grown(m.beamBuf.tmp, len(chunk)*V)
			tmp := m.beamBuf.tmp
			b.Download(tmp, lg)
			for j, i := range chunk {
				d.CopyRowPadded(i, pre, j, maxP)
				copy(host[i*V:(i+1)*V], tmp[j*V:(j+1)*V])
			}
		}
	}
}

// expand takes one step of s from the logits of its rows (host rows
// s.row0..., their log-sum-exps in lse): it scores the allowed continuations, keeps the best Beams,
// moves ended beams to finished and sets s.done when the search is over.
// On return s.beams are the next beams, and cands[j].parent is the
// parent (index into the old beams) of s.beams[j].
func (s *beamState) expand(step int, host []float32, lse []float64, V int, all []int32, cands []beamCand) ([]beamCand, error) {
	opt, K := s.opt, s.opt.Beams
	cands = cands[:0]
	for i, bm := range s.beams {
		allowed := all
		if opt.Allowed != nil {
			allowed = opt.Allowed(bm.tokens)
			if len(allowed) == 0 {
				if len(bm.tokens) > 0 {
					s.finished = append(s.finished, Beam{Tokens: bm.tokens, Score: bm.score, Rank: s.rank(bm.score, len(bm.tokens)), Finished: true})
				}
				continue
			}
		}
		r := s.row0 + i
		x := host[r*V : (r+1)*V]
		for _, t := range allowed {
			if t < 0 || int(t) >= V {
				return cands, fmt.Errorf("llama: beam search: Allowed returned token %d outside the vocabulary of %d", t, V)
			}
			cands = append(cands, beamCand{bm.score + (float64(x[t]) - lse[r]), i, t}) // log-softmax, as logSoftmax
		}
	}
	// Only the best 2K can become beams: select them, then order them.
	top := bestCands(cands, 2*K)
	var next []beamLive
	kept := 0 // cands[:kept] become the parents of next, in order
	for _, cd := range top {
		if len(next) == K {
			break
		}
		toks := append(append([]int32(nil), s.beams[cd.parent].tokens...), cd.tok)
		if cd.tok == opt.EOS {
			s.finished = append(s.finished, Beam{Tokens: toks, Score: cd.score, Rank: s.rank(cd.score, len(toks)), Finished: true})
			continue
		}
		cands[kept] = cd
		kept++
		next = append(next, beamLive{toks, cd.score})
	}
	s.beams = next
	if len(s.finished) >= K && opt.LengthPenalty == 0 {
		// Scores only fall: no live beam can overtake the K-th finished one.
		sort.Slice(s.finished, func(a, b int) bool { return s.finished[a].Rank > s.finished[b].Rank })
		if len(s.beams) == 0 || s.beams[0].score <= s.finished[K-1].Rank {
			s.beams, s.done = nil, true
			return cands, nil
		}
	}
	if len(s.beams) == 0 || step+1 == opt.MaxTokens {
		s.done = true
	}
	return cands, nil
}

// candBefore is the candidates' order: higher score first, ties by parent
// beam, then by token (a strict total order: a parent proposes a token
// once).
func candBefore(a, b beamCand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.parent != b.parent {
		return a.parent < b.parent
	}
	return a.tok < b.tok
}

// bestCands moves the m first candidates in candBefore's order to
// cands[:m], sorted, and returns that prefix (all of cands, sorted, when
// there are at most m): a heap of the m best so far, whose root is the
// worst of them, costs one comparison for most of a catalogue's
// candidates instead of a sort of all of them.
func bestCands(cands []beamCand, m int) []beamCand {
	cmp := func(a, b beamCand) int {
		if candBefore(a, b) {
			return -1
		}
		if candBefore(b, a) {
			return 1
		}
		return 0
	}
	if len(cands) <= m {
		slices.SortFunc(cands, cmp)
		return cands
	}
	h := cands[:m]
	for i := m/2 - 1; i >= 0; i-- {
		siftWorst(h, i)
	}
	for _, c := range cands[m:] {
		if candBefore(c, h[0]) {
			h[0] = c
			siftWorst(h, 0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}

// siftWorst restores h's heap order below i: every node comes after its
// children in candBefore's order, so h[0] is the worst.
func siftWorst(h []beamCand, i int) {
	for {
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && candBefore(h[w], h[l]) {
			w = l
		}
		if r < len(h) && candBefore(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

func (s *beamState) rank(score float64, n int) float64 {
	if s.opt.LengthPenalty == 0 || n == 0 {
		return score
	}
	return score / math.Pow(float64(n), s.opt.LengthPenalty)
}

// result adds the unfinished beams (at the length limit) and returns the
// best Beams.
func (s *beamState) result() []Beam {
	fin := s.finished
	for _, bm := range s.beams {
		fin = append(fin, Beam{Tokens: bm.tokens, Score: bm.score, Rank: s.rank(bm.score, len(bm.tokens))})
	}
	sort.SliceStable(fin, func(a, b int) bool { return fin[a].Rank > fin[b].Rank })
	if len(fin) > s.opt.Beams {
		fin = fin[:s.opt.Beams]
	}
	return fin
}

// rowLSE sets lse[r] to the log-sum-exp of host row r (V logits)
// (tensor.LogSumExp), so x[t] - lse[r] is its log-probability. Rows
// are split over goroutines when there are many (each row's sum is still
// one sequential loop).
func rowLSE(lse []float64, host []float32, V int) {
	one := func(lo, hi int) {
		for r := lo; r < hi; r++ {
			lse[r] = tensor.LogSumExp(host[r*V : (r+1)*V])
		}
	}
	n := len(lse)
	w := min(runtime.GOMAXPROCS(0), n*V/(1<<15))
	if w <= 1 {
		one(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) { defer wg.Done(); one(lo, hi) }(lo, min(lo+chunk, n))
	}
	wg.Wait()
}
