// The SentencePiece "identity" normalizer: dummy prefix, collapsing of extra
// whitespace and escaping of spaces as U+2581, exactly in the order
// SentencePiece's Normalizer applies them when no character map is present.
// HF tokenizer.json files for LLaMA (Prepend("▁") + Replace(" ", "▁")) map
// onto the same code with removeExtra false.

package tokenizer

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// spaceSymbol is U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space.
const spaceSymbol = "\u2581"

// normalizer holds the NormalizerSpec flags that are supported.
type normalizer struct {
	addDummyPrefix bool // prepend one space to non-empty input
	removeExtra    bool // drop leading/trailing spaces, collapse runs of spaces
	escape         bool // write spaces as U+2581
}

// normalize appends the normalized form of s to dst. first says that s
// starts the input (the dummy prefix and leading-space removal apply); last
// says that s ends it (trailing-space removal applies). A whole string is
// normalized with first and last both true. Invalid UTF-8 bytes become
// U+FFFD, one per byte, as SentencePiece does.
func (n *normalizer) normalize(dst []byte, s string, first, last bool) []byte {
	if s == "" {
		return dst
	}
	if n.removeExtra && first {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return dst
		}
	}
	space := " "
	if n.escape {
		space = spaceSymbol
	}
	start := len(dst)
	if n.addDummyPrefix && first {
		dst = append(dst, space...)
	}
	prevSpace := n.removeExtra && first
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c == ' ' {
				if prevSpace {
					continue
				}
				dst = append(dst, space...)
				prevSpace = n.removeExtra
				continue
			}
			dst = append(dst, c)
			prevSpace = false
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
		prevSpace = false
	}
	if n.removeExtra && last {
		for len(dst)-start >= len(space) && bytes.HasSuffix(dst[start:], []byte(space)) {
			dst = dst[:len(dst)-len(space)]
		}
	}
	return dst
}
