// SentencePiece's BPE segmentation: start from characters (user-defined
// pieces kept whole), repeatedly merge the adjacent pair whose concatenation
// is a piece with the highest score (ties: leftmost), re-split UNUSED pieces,
// and map what is left to ids, falling back to <0xNN> byte pieces or <unk>.

package tokenizer

import "unicode/utf8"

// symbol is one current segment [start, end) of the normalized string in a
// doubly linked list over the initial characters.
type symbol struct {
	start, end int32
	prev, next int32 // -1 at the ends
	id         int32 // rank BPE only: id of the piece this symbol is
	freeze     bool  // user-defined piece: never merged
}

// candidate is a possible merge of symbols left and right.
type candidate struct {
	left, right int32
	score       float32 // score BPE: higher first; rank BPE: -rank
	size        int32   // byte length (score BPE) or merged id (rank BPE) when queued
}

// candHeap is a binary max-heap of candidates: best score first, then the
// leftmost position.
type candHeap []candidate

func (h candHeap) less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score > h[j].score
	}
	return h[i].left < h[j].left
}

func (h *candHeap) push(c candidate) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *candHeap) pop() candidate {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// splitChars fills syms with one symbol per character of s (user-defined
// pieces matched longest-first and frozen; invalid UTF-8 one byte each).
func (t *Tokenizer) splitChars(syms []symbol, s string) []symbol {
	for i := 0; i < len(s); {
		n, freeze := 0, false
		if t.user != nil {
			if n = t.user.longest(s[i:]); n > 0 {
				freeze = true
			}
		}
		if n == 0 {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		k := int32(len(syms))
		syms = append(syms, symbol{start: int32(i), end: int32(i + n), prev: k - 1, next: k + 1, freeze: freeze})
		i += n
	}
	if len(syms) > 0 {
		syms[len(syms)-1].next = -1
	}
	return syms
}

// encodeScoreBPE appends the ids of the normalized string s.
func (t *Tokenizer) encodeScoreBPE(dst []int32, s string) []int32 {
	if s == "" {
		return dst
	}
	syms := t.splitChars(make([]symbol, 0, len(s)), s)
	heap := make(candHeap, 0, len(syms))
	var revMerge map[string][2]string // UNUSED piece -> the pair it came from

	add := func(l, r int32) {
		if l < 0 || r < 0 || syms[l].freeze || syms[r].freeze {
			return
		}
		p := s[syms[l].start:syms[r].end]
		id, ok := t.merge[p]
		if !ok {
			return
		}
		heap.push(candidate{left: l, right: r, score: t.scores[id], size: int32(len(p))})
		if t.types[id] == Unused {
			if revMerge == nil {
				revMerge = map[string][2]string{}
			}
			revMerge[p] = [2]string{s[syms[l].start:syms[l].end], s[syms[r].start:syms[r].end]}
		}
	}
	for i := 1; i < len(syms); i++ {
		add(int32(i-1), int32(i))
	}
	for len(heap) > 0 {
		c := heap.pop()
		l, r := &syms[c.left], &syms[c.right]
		// Stale entries: a side was merged away or has grown since queued.
		if l.start == l.end || r.start == r.end || (r.end-r.start)+(l.end-l.start) != c.size || l.next != c.right {
			continue
		}
		l.end = r.end
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = c.left
		}
		r.start, r.end = 0, 0
		add(l.prev, c.left)
		add(c.left, l.next)
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		dst = t.emitPiece(dst, s[syms[i].start:syms[i].end], revMerge)
	}
	return dst
}

// emitPiece appends the id(s) of one final segment p.
func (t *Tokenizer) emitPiece(dst []int32, p string, revMerge map[string][2]string) []int32 {
	id, ok := t.reserved[p]
	if !ok {
		id, ok = t.merge[p]
	}
	if ok && t.types[id] == Unused {
		if pair, found := revMerge[p]; found {
			dst = t.emitPiece(dst, pair[0], revMerge)
			return t.emitPiece(dst, pair[1], revMerge)
		}
	}
	if !ok {
		id = t.unk
	}
	if id >= 0 && t.types[id] == Unknown && t.byteFallback {
		for i := 0; i < len(p); i++ {
			dst = append(dst, t.byteID[p[i]])
		}
		return dst
	}
	return append(dst, id)
}

// prefixMatcher finds the longest user-defined piece at the start of a string.
type prefixMatcher struct {
	set    map[string]struct{}
	maxLen int
}

func newPrefixMatcher(pieces []string) *prefixMatcher {
	if len(pieces) == 0 {
		return nil
	}
	m := &prefixMatcher{set: make(map[string]struct{}, len(pieces))}
	for _, p := range pieces {
		m.set[p] = struct{}{}
		m.maxLen = max(m.maxLen, len(p))
	}
	return m
}

// longest returns the byte length of the longest piece prefixing s, or 0.
func (m *prefixMatcher) longest(s string) int {
	for n := min(m.maxLen, len(s)); n > 0; n-- {
		if _, ok := m.set[s[:n]]; ok {
			return n
		}
	}
	return 0
}
