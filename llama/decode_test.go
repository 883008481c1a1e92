// Decoding: beam search against an exhaustive scoring of a small trie,
// one beam equals greedy, and seeded sampling is reproducible.

package llama

import (
	"math"
	"slices"
	"testing"

	"embrec/tensor"
)

// seqLogProb scores seq after prompt with a full (cache-free) forward.
func seqLogProb(m *Model, prompt, seq []int32) float64 {
	all := append(append([]int32(nil), prompt...), seq...)
	r := m.NewRun(1, len(all), RunOptions{})
	r.EmbedIDs(all)
	r.Forward(nil)
	lg := host(m.Backend, r.Logits(nil))
	V := m.Config.Vocab
	lp := make([]float64, V)
	s := 0.0
	for i, tok := range seq {
		p := len(prompt) - 1 + i
		logSoftmax(lp, lg[p*V:(p+1)*V])
		s += lp[tok]
	}
	return s
}

func TestBeamSearchTrie(t *testing.T) {
	b := tensor.NewCPU(1)
	m, _ := NewRandom(smallConfig(), b, 0.3, 21)
	eos := int32(2)
	items := [][]int32{{10, 11, 12, 2}, {10, 11, 13, 2}, {10, 14, 2}, {20, 21, 22, 23, 2}, {20, 5, 2}, {30, 2}}
	allowed := func(prefix []int32) []int32 {
		var out []int32
		seen := map[int32]bool{}
		for _, it := range items {
			if len(it) > len(prefix) && slices.Equal(it[:len(prefix)], prefix) && !seen[it[len(prefix)]] {
				seen[it[len(prefix)]] = true
				out = append(out, it[len(prefix)])
			}
		}
		return out
	}
	prompt := []int32{1, 7, 8, 9}
	beams, err := m.BeamSearch(prompt, BeamOptions{Beams: len(items), MaxTokens: 8, EOS: eos, Allowed: allowed})
	if err != nil {
		t.Fatal(err)
	}
	if len(beams) != len(items) {
		t.Fatalf("%d beams, want %d", len(beams), len(items))
	}
	for i, bm := range beams {
		found := false
		for _, it := range items {
			found = found || slices.Equal(it, bm.Tokens)
		}
		if !found || !bm.Finished {
			t.Errorf("beam %d %v (finished %v) is not an item", i, bm.Tokens, bm.Finished)
			continue
		}
		if want := seqLogProb(m, prompt, bm.Tokens); math.Abs(want-bm.Score) > 1e-4 {
			t.Errorf("beam %v: score %g, full forward %g", bm.Tokens, bm.Score, want)
		}
		if i > 0 && bm.Score > beams[i-1].Score {
			t.Errorf("beams not sorted: %g after %g", bm.Score, beams[i-1].Score)
		}
	}
	// One unconstrained beam is greedy decoding.
	one, _ := m.BeamSearch(prompt, BeamOptions{Beams: 1, MaxTokens: 10, EOS: -1})
	greedy, _ := m.Generate([][]int32{prompt}, SampleOptions{MaxTokens: 10})
	if !slices.Equal(one[0].Tokens, greedy[0]) {
		t.Errorf("1 beam %v, greedy %v", one[0].Tokens, greedy[0])
	}
}

func TestSamplingSeeded(t *testing.T) {
	b := tensor.NewCPU(1)
	m, _ := NewRandom(smallConfig(), b, 0.3, 4)
	prompts := [][]int32{{1, 3}, {1, 4, 5, 6}}
	opt := SampleOptions{MaxTokens: 20, Temperature: 0.9, TopP: 0.9, Seed: 42}
	a, _ := m.Generate(prompts, opt)
	c, _ := m.Generate(prompts, opt)
	for r := range a {
		if !slices.Equal(a[r], c[r]) || len(a[r]) != 20 {
			t.Errorf("row %d: %v vs %v", r, a[r], c[r])
		}
	}
	opt.Seed = 43
	d, _ := m.Generate(prompts, opt)
	if slices.Equal(a[0], d[0]) && slices.Equal(a[1], d[1]) {
		t.Error("a different seed gave the same samples")
	}
	// Stop tokens end a row and are kept.
	s, _ := m.Generate(prompts, SampleOptions{MaxTokens: 20, Temperature: 1, Seed: 1, Stop: []int32{a[0][2]}})
	if len(s[0]) > 20 {
		t.Errorf("row longer than MaxTokens")
	}
}
