// HF BPE segmentation for tokenizer.json files: added tokens split out first,
// then each piece normalized and split into characters (unknown characters
// as <0xNN> byte pieces, or <unk>), then adjacent pairs merged in order of
// their rank in the merges list (lowest first; ties: leftmost).

package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// encodeHF appends the ids of text. first says that text starts the input;
// when false, the Prepend normalizer is not applied to its first piece.
func (t *Tokenizer) encodeHF(dst []int32, text string, first bool) []int32 {
	// Stage 1: split the raw text on added tokens matched before
	// normalization; stage 2: normalize each remaining piece and split it
	// on the added tokens matched after normalization.
	for i := 0; text != ""; i++ {
		pos, tok := t.findAdded(text, false)
		piece := text
		if tok != nil {
			piece = text[:pos]
		}
		if piece != "" {
			norm := string(t.norm.normalize(nil, piece, first || i > 0, false))
			dst = t.encodeNormalizedHF(dst, norm)
		}
		if tok == nil {
			break
		}
		dst = append(dst, tok.id)
		text = text[pos+len(tok.pattern):]
	}
	return dst
}

// encodeNormalizedHF splits normalized text on normalized added tokens and
// runs BPE on the rest.
func (t *Tokenizer) encodeNormalizedHF(dst []int32, s string) []int32 {
	for s != "" {
		pos, tok := t.findAdded(s, true)
		if tok == nil {
			return t.encodeRankBPE(dst, s)
		}
		dst = t.encodeRankBPE(dst, s[:pos])
		dst = append(dst, tok.id)
		s = s[pos+len(tok.pattern):]
	}
	return dst
}

// findAdded returns the leftmost (then longest) added token of the given
// kind in s and its byte offset, or nil.
func (t *Tokenizer) findAdded(s string, normalized bool) (int, *addedToken) {
	best, bestPos := -1, len(s)
	for i := range t.added {
		a := &t.added[i]
		if a.normalized != normalized {
			continue
		}
		if p := strings.Index(s[:min(len(s), bestPos+len(a.pattern))], a.pattern); p >= 0 && p < bestPos {
			best, bestPos = i, p
		}
	}
	if best < 0 {
		return 0, nil
	}
	return bestPos, &t.added[best]
}

// encodeRankBPE appends the ids of one normalized word s.
func (t *Tokenizer) encodeRankBPE(dst []int32, s string) []int32 {
	if s == "" {
		return dst
	}
	syms := make([]symbol, 0, len(s))
	push := func(start, end int, id int32) {
		k := int32(len(syms))
		syms = append(syms, symbol{start: int32(start), end: int32(end), prev: k - 1, next: k + 1, id: id})
	}
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		if id, ok := t.merge[s[i:i+n]]; ok {
			push(i, i+n, id)
		} else if t.byteFallback && t.hasBytes(s[i:i+n]) {
			for j := i; j < i+n; j++ {
				push(j, j+1, t.byteID[s[j]])
			}
		} else if t.unk >= 0 {
			if k := len(syms) - 1; t.fuseUnk && k >= 0 && syms[k].id == t.unk {
				syms[k].end = int32(i + n)
			} else {
				push(i, i+n, t.unk)
			}
		}
		i += n
	}
	if len(syms) == 0 {
		return dst
	}
	syms[len(syms)-1].next = -1
	heap := make(candHeap, 0, len(syms))
	add := func(l int32) {
		if l < 0 || syms[l].next < 0 {
			return
		}
		r := syms[l].next
		if m, ok := t.merges[uint64(uint32(syms[l].id))<<32|uint64(uint32(syms[r].id))]; ok {
			heap.push(candidate{left: l, right: r, score: -float32(m.rank), size: m.id})
		}
	}
	for i := range syms {
		add(int32(i))
	}
	for len(heap) > 0 {
		c := heap.pop()
		l := &syms[c.left]
		if l.start == l.end || l.next < 0 {
			continue
		}
		r := &syms[l.next]
		m, ok := t.merges[uint64(uint32(l.id))<<32|uint64(uint32(r.id))]
		if !ok || m.id != c.size {
			continue // stale: one side has changed since this was queued
		}
		l.end, l.id, l.next = r.end, m.id, r.next
		if r.next >= 0 {
			syms[r.next].prev = c.left
		}
		r.start, r.end = 0, 0
		add(l.prev)
		add(c.left)
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		dst = append(dst, syms[i].id)
	}
	return dst
}

// hasBytes reports whether every byte of s has a <0xNN> piece.
func (t *Tokenizer) hasBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if t.byteID[s[i]] < 0 {
			return false
		}
	}
	return true
}
