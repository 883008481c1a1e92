// The trie of every catalogue item's token sequence ("{dataset} item_<id>"
// then EOS) that constrains beam search to valid items, and that exact
// ranking walks to score each shared prefix once.

package train

import (
	"fmt"
	"slices"
)

// Trie maps token sequences to items.
type Trie struct {
	nodes []trieNode
}

type trieNode struct {
	next  []trieEdge // sorted by token
	item  int32      // item at a terminal node (sequence ends here), else -1
	depth int
}

type trieEdge struct {
	tok  int32
	node int32
}

// NewTrie builds the trie of seqs[i] -> items[i]. Two items with the same
// token sequence, or a sequence that is a prefix of another (sequences
// should end in EOS), are errors.
func NewTrie(seqs [][]int32, items []int32) (*Trie, error) {
	if len(seqs) != len(items) {
		return nil, fmt.Errorf("train: trie: %d sequences for %d items", len(seqs), len(items))
	}
	t := &Trie{nodes: []trieNode{{item: -1}}}
	for i, s := range seqs {
		if len(s) == 0 {
			return nil, fmt.Errorf("train: trie: item %d has an empty token sequence", items[i])
		}
		n := int32(0)
		for _, tok := range s {
			if t.nodes[n].item >= 0 {
				return nil, fmt.Errorf("train: trie: item %d's tokens extend item %d's", items[i], t.nodes[n].item)
			}
			n = t.child(n, tok, true)
		}
		if t.nodes[n].item >= 0 {
			return nil, fmt.Errorf("train: trie: items %d and %d have the same tokens %v", t.nodes[n].item, items[i], s)
		}
		if len(t.nodes[n].next) > 0 {
			return nil, fmt.Errorf("train: trie: item %d's tokens are a prefix of another item's", items[i])
		}
		t.nodes[n].item = items[i]
	}
	return t, nil
}

// child returns n's child on tok, creating it when create is set (-1 if
// absent and not created).
func (t *Trie) child(n int32, tok int32, create bool) int32 {
	e := t.nodes[n].next
	i, found := slices.BinarySearchFunc(e, tok, func(a trieEdge, b int32) int { return int(a.tok) - int(b) })
	if found {
		return e[i].node
	}
	if !create {
		return -1
	}
	id := int32(len(t.nodes))
	t.nodes = append(t.nodes, trieNode{item: -1, depth: t.nodes[n].depth + 1})
	t.nodes[n].next = slices.Insert(t.nodes[n].next, i, trieEdge{tok, id})
	return id
}

// Node returns the node reached by prefix from the root, or -1.
func (t *Trie) Node(prefix []int32) int32 {
	n := int32(0)
	for _, tok := range prefix {
		if n = t.child(n, tok, false); n < 0 {
			return -1
		}
	}
	return n
}

// Allowed appends to dst the tokens that may follow prefix (none when the
// prefix is complete or invalid) and returns it.
func (t *Trie) Allowed(dst []int32, prefix []int32) []int32 {
	n := t.Node(prefix)
	if n < 0 {
		return dst
	}
	for _, e := range t.nodes[n].next {
		dst = append(dst, e.tok)
	}
	return dst
}

// Item returns the item whose full sequence is seq.
func (t *Trie) Item(seq []int32) (int32, bool) {
	n := t.Node(seq)
	if n < 0 || t.nodes[n].item < 0 {
		return -1, false
	}
	return t.nodes[n].item, true
}

// Len is the number of nodes, the root included.
func (t *Trie) Len() int { return len(t.nodes) }

// Children returns node n's edges as (token, child) pairs.
func (t *Trie) Children(n int32) (toks []int32, kids []int32) {
	for _, e := range t.nodes[n].next {
		toks = append(toks, e.tok)
		kids = append(kids, e.node)
	}
	return toks, kids
}

// Terminal returns the item ending at node n, or -1.
func (t *Trie) Terminal(n int32) int32 { return t.nodes[n].item }
