// Batched beam search: every prompt of a mixed batch (lengths, beam
// widths, constraints) gets exactly its single-prompt beams on a
// batch-invariant backend, and a stopped prompt leaves the others intact.

package llama

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"embrec/tensor"
)

// trieAllowed constrains decoding to items (token sequences).
func trieAllowed(items [][]int32) func([]int32) []int32 {
	return func(prefix []int32) []int32 {
		var out []int32
		for _, it := range items {
			if len(it) > len(prefix) && slices.Equal(it[:len(prefix)], prefix) && !slices.Contains(out, it[len(prefix)]) {
				out = append(out, it[len(prefix)])
			}
		}
		return out
	}
}

func embeds(m *Model, ids []int32) *tensor.Tensor {
	x := m.Backend.New(tensor.F32, len(ids), m.Config.Hidden)
	m.Backend.EmbeddingForward(x, m.Embed, ids)
	return x
}

func TestBeamSearchBatchMatchesSingle(t *testing.T) {
	b := tensor.NewCPU(2)
	b.SetBatchInvariant(true)
	m, err := NewRandom(smallConfig(), b, 0.3, 21)
	if err != nil {
		t.Fatal(err)
	}
	items := [][]int32{{10, 11, 12, 2}, {10, 11, 13, 2}, {10, 14, 2}, {20, 21, 22, 23, 2}, {20, 5, 2}, {30, 2}, {31, 32, 2}, {33, 2}}
	prompts := []BeamPrompt{
		{embeds(m, []int32{1, 7, 8, 9}), BeamOptions{Beams: 5, MaxTokens: 6, EOS: 2, Allowed: trieAllowed(items)}},
		{embeds(m, []int32{1, 4}), BeamOptions{Beams: 3, MaxTokens: 6, EOS: 2, Allowed: trieAllowed(items[:4])}},
		{embeds(m, []int32{1, 7, 8, 9}), BeamOptions{Beams: 8, MaxTokens: 6, EOS: 2, Allowed: trieAllowed(items)}},
		{embeds(m, []int32{1, 40, 41, 42, 43, 44, 45, 46, 47}), BeamOptions{Beams: 4, MaxTokens: 5, EOS: 2}},
		{embeds(m, []int32{1, 9, 9}), BeamOptions{Beams: 1, MaxTokens: 4, EOS: 2, Allowed: trieAllowed(items)}},
		{embeds(m, []int32{1, 7, 8, 9}), BeamOptions{Beams: 2, MaxTokens: 6, EOS: -1, LengthPenalty: 1, Allowed: trieAllowed(items)}},
	}
	got, err := m.BeamSearchBatch(prompts)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range prompts {
		want, err := m.BeamSearchEmbeds(p.Embeds, p.Opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("prompt %d: no beams", i)
		}
		if !slices.EqualFunc(got[i], want, func(a, b Beam) bool {
			return slices.Equal(a.Tokens, b.Tokens) && a.Score == b.Score && a.Rank == b.Rank && a.Finished == b.Finished
		}) {
			t.Errorf("prompt %d: batched %v, alone %v", i, got[i], want)
		}
	}
}

func TestBeamSearchBatchStop(t *testing.T) {
	b := tensor.NewCPU(1)
	b.SetBatchInvariant(true)
	m, _ := NewRandom(smallConfig(), b, 0.3, 5)
	items := [][]int32{{10, 11, 12, 2}, {10, 14, 2}, {20, 21, 22, 23, 2}, {30, 2}}
	calls := 0
	stopAfter2 := func() bool { calls++; return calls > 2 }
	keep := BeamOptions{Beams: 3, MaxTokens: 6, EOS: 2, Allowed: trieAllowed(items)}
	stop := keep
	stop.Stop = stopAfter2
	x := embeds(m, []int32{1, 7, 8})
	got, err := m.BeamSearchBatch([]BeamPrompt{{x, stop}, {x, keep}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != nil {
		t.Errorf("stopped prompt returned %v", got[0])
	}
	if calls != 3 {
		t.Errorf("Stop called %d times, want 3 (two steps, then stop)", calls)
	}
	want, _ := m.BeamSearchEmbeds(x, keep)
	if len(got[1]) != len(want) || len(want) == 0 {
		t.Fatalf("the other prompt: %v, alone %v", got[1], want)
	}
	for i := range want {
		if !slices.Equal(got[1][i].Tokens, want[i].Tokens) || got[1][i].Score != want[i].Score {
			t.Errorf("beam %d: %v, alone %v", i, got[1][i], want[i])
		}
	}
}

// TestBeamDecodersSettle: batches whose prompt lengths (within 2x of each
// other) and sizes alternate reuse the decoders kept after the first two
// batches instead of allocating new ones, and still give each prompt its
// single-prompt beams (computed after the batches: a single search uses
// the same decoders).
func TestBeamDecodersSettle(t *testing.T) {
	b := tensor.NewCPU(1)
	b.SetBatchInvariant(true)
	m, err := NewRandom(smallConfig(), b, 0.3, 22)
	if err != nil {
		t.Fatal(err)
	}
	short := BeamPrompt{embeds(m, []int32{1, 7, 8, 9, 10}), BeamOptions{Beams: 3, MaxTokens: 4, EOS: 2}}
	long := BeamPrompt{embeds(m, []int32{1, 4, 5, 6, 9, 9, 9, 9}), BeamOptions{Beams: 3, MaxTokens: 4, EOS: 2}}
	batches := [][]BeamPrompt{{short}, {long, long}, {short}, {long, long}, {short, long}}
	var kept [2]*Decoder
	results := make([][][]Beam, len(batches))
	for i, batch := range batches {
		if results[i], err = m.BeamSearchBatch(batch); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			kept = m.beamDecs
		}
		if i > 1 && m.beamDecs != kept {
			t.Fatalf("batch %d allocated new decoders", i)
		}
	}
	for i, batch := range batches {
		for j, p := range batch {
			want, err := m.BeamSearchEmbeds(p.Embeds, p.Opt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(results[i][j], want, func(a, b Beam) bool { return slices.Equal(a.Tokens, b.Tokens) && a.Score == b.Score }) {
				t.Errorf("batch %d prompt %d: %v, alone %v", i, j, results[i][j], want)
			}
		}
	}
}

// TestBestCands: the heap selection gives the first m candidates of the
// full sort, in order, with tied scores (broken by parent, then token) and
// for m at, below and above the number of candidates.
func TestBestCands(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 200; trial++ {
		n := r.IntN(300)
		cands := make([]beamCand, n)
		for i := range cands {
			cands[i] = beamCand{score: float64(r.IntN(20)) / 4, parent: r.IntN(5), tok: int32(i)}
		}
		r.Shuffle(n, func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		want := slices.Clone(cands)
		sort.Slice(want, func(a, b int) bool { return candBefore(want[a], want[b]) })
		m := 1 + r.IntN(40)
		got := bestCands(slices.Clone(cands), m)
		if len(got) != min(m, n) {
			t.Fatalf("n=%d m=%d: %d candidates back", n, m, len(got))
		}
		if !slices.Equal(got, want[:len(got)]) {
			t.Fatalf("n=%d m=%d: %v, want %v", n, m, got, want[:len(got)])
		}
	}
}
