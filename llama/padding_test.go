// Padding: a batch with left-padded, right-padded and full rows gives, at
// every valid position, the logits of the same row run alone; batched
// generation over left-padded prompts equals one-by-one generation.

package llama

import (
	"slices"
	"testing"

	"embrec/tensor"
)

func smallConfig() Config {
	return Config{Hidden: 48, Intermediate: 80, Layers: 2, Heads: 6, KVHeads: 2, HeadSize: 8,
		Vocab: 61, MaxPos: 64, NormEps: 1e-5, RopeTheta: 10000, BOS: 1, EOS: 2}
}

func TestPaddingMatchesUnpadded(t *testing.T) {
	b := tensor.NewCPU(1)
	m, err := NewRandom(smallConfig(), b, 0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	V, T := m.Config.Vocab, 9
	seqs := [][]int32{
		{1, 5, 9, 14, 3, 22},        // left-padded by 3
		{1, 40, 7, 7, 30},           // right-padded by 4
		{1, 2, 3, 4, 5, 6, 7, 8, 9}, // full
	}
	left := []bool{true, false, false}
	ids := make([]int32, 3*T)
	mask := make([]int32, 3*T)
	offs := make([]int, 3)
	for r, s := range seqs {
		if left[r] {
			offs[r] = T - len(s)
		}
		for i, id := range s {
			ids[r*T+offs[r]+i] = id
			mask[r*T+offs[r]+i] = 1
		}
	}
	for _, ckpt := range []bool{false, true} {
		run := m.NewRun(3, T, RunOptions{Checkpoint: ckpt})
		run.EmbedIDs(ids)
		run.Forward(mask)
		all := host(b, run.Logits(nil))
		for r, s := range seqs {
			one := m.NewRun(1, len(s), RunOptions{})
			one.EmbedIDs(s)
			one.Forward(nil)
			want := host(b, one.Logits(nil))
			got := all[(r*T+offs[r])*V : (r*T+offs[r]+len(s))*V]
			if d, at := maxAbsDiff(got, want); d > 1e-5 {
				t.Errorf("row %d (left %v): max |diff| %.3g at position %d", r, left[r], d, at/V)
			}
		}
	}
	// Batched generation (left-padded prompts) equals one at a time.
	prompts := [][]int32{{1, 5, 9}, {1, 40, 7, 7, 30, 11}, {1}}
	batch, err := m.Generate(prompts, SampleOptions{MaxTokens: 12})
	if err != nil {
		t.Fatal(err)
	}
	for r, p := range prompts {
		one, err := m.Generate([][]int32{p}, SampleOptions{MaxTokens: 12})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(one[0], batch[r]) {
			t.Errorf("prompt %d: batched %v, alone %v", r, batch[r], one[0])
		}
	}
}
