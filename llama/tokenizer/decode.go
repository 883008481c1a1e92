// Decoding ids back to text as SentencePiece does: control pieces vanish,
// <unk> becomes the model's unk surface, runs of <0xNN> byte pieces are
// reassembled as UTF-8 (invalid bytes become U+FFFD), U+2581 becomes a
// space, and the dummy-prefix space is dropped from the first piece that
// has visible text (pieces left empty by that keep it pending).

package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// Decode returns the text of ids. Ids outside the vocabulary are skipped.
func (t *Tokenizer) Decode(ids []int32) string {
	var b strings.Builder
	var pending []byte // bytes of consecutive byte pieces
	// bosWS: no visible text yet, so a leading U+2581 is the dummy prefix.
	bosWS := t.norm.addDummyPrefix || t.norm.removeExtra
	flush := func() {
		for len(pending) > 0 {
			r, n := utf8.DecodeRune(pending)
			if r == utf8.RuneError && n <= 1 {
				b.WriteString("\uFFFD")
				n = 1
			} else {
				b.Write(pending[:n])
			}
			pending = pending[n:]
			bosWS = false
		}
	}
	for _, id := range ids {
		if id < 0 || int(id) >= len(t.pieces) {
			continue
		}
		p := t.pieces[id]
		switch t.types[id] {
		case Byte:
			if v, ok := parseBytePiece(p); ok {
				pending = append(pending, v)
			}
			continue
		case Control:
			flush()
			continue
		case Unknown:
			flush()
			b.WriteString(t.unkSurface)
			bosWS = bosWS && t.unkSurface == ""
			continue
		}
		flush()
		if bosWS {
			p = strings.TrimPrefix(p, spaceSymbol)
			// Only a model that removes extra whitespace keeps looking
			// past a piece that was nothing but the dummy prefix.
			bosWS = p == "" && t.norm.removeExtra
		}
		b.WriteString(strings.ReplaceAll(p, spaceSymbol, " "))
	}
	flush()
	return b.String()
}
