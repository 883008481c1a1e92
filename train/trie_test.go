// The trie against a brute-force scan of the sequences it was built from.

package train

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTrieMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const eos = 2
	var seqs [][]int32
	var items []int32
	seen := map[string]bool{}
	for len(seqs) < 300 {
		s := []int32{7, 8} // shared "{dataset} item_" prefix
		for n := 1 + rng.IntN(4); n > 0; n-- {
			s = append(s, int32(10+rng.IntN(6)))
		}
		s = append(s, eos)
		if seen[string(rune(len(s)))+slicesKey(s)] {
			continue
		}
		seen[string(rune(len(s)))+slicesKey(s)] = true
		seqs = append(seqs, s)
		items = append(items, int32(1001+len(items)))
	}
	tr, err := NewTrie(seqs, items)
	if err != nil {
		t.Fatal(err)
	}
	// For every prefix of every sequence, Allowed = the set of next tokens
	// of all sequences sharing that prefix.
	for _, s := range seqs {
		for k := 0; k <= len(s); k++ {
			want := map[int32]bool{}
			for _, o := range seqs {
				if len(o) > k && slices.Equal(o[:k], s[:k]) {
					want[o[k]] = true
				}
			}
			got := tr.Allowed(nil, s[:k])
			if len(got) != len(want) {
				t.Fatalf("Allowed(%v) = %v, want %v", s[:k], got, want)
			}
			for _, g := range got {
				if !want[g] {
					t.Fatalf("Allowed(%v) has %d, not in %v", s[:k], g, want)
				}
			}
		}
	}
	for i, s := range seqs {
		if it, ok := tr.Item(s); !ok || it != items[i] {
			t.Fatalf("Item(%v) = %d %v, want %d", s, it, ok, items[i])
		}
		if _, ok := tr.Item(s[:len(s)-1]); ok {
			t.Fatalf("Item of a strict prefix %v succeeded", s[:len(s)-1])
		}
	}
	if got := tr.Allowed(nil, []int32{9}); len(got) != 0 {
		t.Errorf("Allowed off the trie = %v", got)
	}
}

func slicesKey(s []int32) string {
	b := make([]byte, 0, len(s))
	for _, v := range s {
		b = append(b, byte(v))
	}
	return string(b)
}

func TestTrieRejectsAmbiguity(t *testing.T) {
	if _, err := NewTrie([][]int32{{1, 2}, {1, 2}}, []int32{1, 2}); err == nil {
		t.Error("duplicate sequences accepted")
	}
	if _, err := NewTrie([][]int32{{1, 2}, {1, 2, 3}}, []int32{1, 2}); err == nil {
		t.Error("prefix sequence accepted")
	}
	if _, err := NewTrie([][]int32{{1, 2, 3}, {1, 2}}, []int32{1, 2}); err == nil {
		t.Error("prefix sequence accepted (other order)")
	}
}
