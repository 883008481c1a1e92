// Batched generation: greedy, temperature and top-p (nucleus) sampling
// with a seeded generator, over left-padded prompts and a KV cache.

package llama

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// SampleOptions configure Generate.
type SampleOptions struct {
	MaxTokens   int     // new tokens per row (at most MaxPos - longest prompt)
	Temperature float32 // 0: greedy (argmax)
	TopP        float32 // nucleus mass in (0, 1); 0 or >= 1: off
	Seed        uint64  // seeds the sampler (one stream, rows drawn in order)
	Stop        []int32 // tokens that end a row (kept in its output)
	// OnLogits, when set, receives the logits of every valid position of
	// row b, prompt and generated (pos counts from 0 within the row).
	OnLogits func(b, pos int, logits []float32)
}

// Generate continues each prompt (token ids, BOS included if wanted) and
// returns the new tokens of every row.
func (m *Model) Generate(prompts [][]int32, opt SampleOptions) ([][]int32, error) {
	t, tp := float64(opt.Temperature), float64(opt.TopP)
	if !(t >= 0) || math.IsInf(t, 0) || !(tp >= 0) || math.IsInf(tp, 0) {
		return nil, fmt.Errorf("llama: generate: temperature %v and top-p %v must be finite and >= 0", opt.Temperature, opt.TopP)
	}
	B := len(prompts)
	if B == 0 {
		return nil, nil
	}
	P := 0
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, fmt.Errorf("llama: generate: prompt %d is empty", i)
		}
		for _, id := range p {
			if id < 0 || int(id) >= m.Config.Vocab {
				return nil, fmt.Errorf("llama: generate: prompt %d: token %d outside the vocabulary of %d", i, id, m.Config.Vocab)
			}
		}
		P = max(P, len(p))
	}
	if P+opt.MaxTokens > m.Config.MaxPos {
		return nil, fmt.Errorf("llama: generate: prompt of %d plus %d new tokens exceeds max_position_embeddings %d", P, opt.MaxTokens, m.Config.MaxPos)
	}
	if opt.MaxTokens <= 0 && opt.OnLogits == nil {
		return make([][]int32, B), nil
	}
	d := m.NewDecoder(B, P+opt.MaxTokens, P)
	ids := make([]int32, B*P)
	mask := make([]int32, B*P)
	for r, p := range prompts { // left padding
		off := P - len(p)
		for t, id := range p {
			ids[r*P+off+t] = id
			mask[r*P+off+t] = 1
		}
	}
	V := m.Config.Vocab
	host := make([]float32, B*P*V)
	lg := d.StepIDs(ids, mask, opt.OnLogits != nil)
	rowPos := make([]int, B)
	if opt.OnLogits != nil {
		m.Backend.Download(host[:lg.Len()], lg)
		for r := 0; r < B; r++ {
			for t := 0; t < P; t++ {
				if mask[r*P+t] != 0 {
					opt.OnLogits(r, rowPos[r], host[(r*P+t)*V:(r*P+t+1)*V])
					rowPos[r]++
				}
			}
		}
		// The last position of every row is its last valid one.
		for r := 0; r < B; r++ {
			copy(host[r*V:(r+1)*V], host[(r*P+P-1)*V:(r*P+P)*V])
		}
	} else {
		m.Backend.Download(host[:B*V], lg)
	}
	if opt.MaxTokens <= 0 { // the prompt's logits were all that was asked for
		return make([][]int32, B), nil
	}
	s := newSampler(opt, V)
	out := make([][]int32, B)
	done := make([]bool, B)
	next := make([]int32, B)
	fed := make([]bool, B)
	for {
		anyNew, anyLive := false, false
		for r := 0; r < B; r++ {
			fed[r] = false
			if done[r] {
				next[r] = 0
				continue
			}
			tok := s.sample(host[r*V : (r+1)*V])
			next[r], fed[r], anyNew = tok, true, true
			out[r] = append(out[r], tok)
			for _, st := range opt.Stop {
				done[r] = done[r] || tok == st
			}
			done[r] = done[r] || len(out[r]) >= opt.MaxTokens
			anyLive = anyLive || !done[r]
		}
		// Feed the new tokens while a row goes on, or once more to report
		// the logits at the last generated positions.
		if !anyNew || (!anyLive && opt.OnLogits == nil) {
			break
		}
		lg = d.StepIDs(next, nil, false)
		m.Backend.Download(host[:B*V], lg)
		if opt.OnLogits != nil {
			for r := 0; r < B; r++ {
				if fed[r] {
					opt.OnLogits(r, rowPos[r], host[r*V:(r+1)*V])
					rowPos[r]++
				}
			}
		}
	}
	return out, nil
}

// sampler draws tokens from logits.
type sampler struct {
	temp, topP float32
	rng        *rand.Rand
	probs      []float64
	idx        []int
}

func newSampler(opt SampleOptions, V int) *sampler {
	return &sampler{temp: opt.Temperature, topP: opt.TopP, rng: rand.New(rand.NewPCG(opt.Seed, 0x73616d706c65)),
		probs: make([]float64, V), idx: make([]int, V)}
}

// Argmax returns the first index of the largest logit.
func Argmax(x []float32) int32 {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return int32(best)
}

func (s *sampler) sample(logits []float32) int32 {
	if s.temp <= 0 {
		return Argmax(logits)
	}
	mx := logits[Argmax(logits)]
	var sum float64
	for i, v := range logits {
		e := math.Exp(float64((v - mx) / s.temp))
		s.probs[i] = e
		sum += e
	}
	n := len(logits)
	for i := range s.idx[:n] {
		s.idx[i] = i
	}
	idx := s.idx[:n]
	if s.topP > 0 && s.topP < 1 {
		sort.Slice(idx, func(a, b int) bool {
			pa, pb := s.probs[idx[a]], s.probs[idx[b]]
			return pa > pb || (pa == pb && idx[a] < idx[b])
		})
		var cum float64
		k := 0
		for k < n {
			cum += s.probs[idx[k]] / sum
			k++
			if cum >= float64(s.topP) {
				break
			}
		}
		idx = idx[:k]
		sum = 0
		for _, i := range idx {
			sum += s.probs[i]
		}
	}
	u := s.rng.Float64() * sum
	var acc float64
	for _, i := range idx {
		acc += s.probs[i]
		if u < acc {
			return int32(i)
		}
	}
	return int32(idx[len(idx)-1])
}
