// Building a small SentencePiece BPE model from a word list: the demo and
// from-scratch models need a tokenizer when no tokenizer.model is at hand.
// The model is serialized as a real ModelProto and parsed back, so it is
// exactly what the loader accepts and can be saved as tokenizer.model.

package tokenizer

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// protoBuf is a minimal protobuf wire-format writer.
type protoBuf []byte

func (b protoBuf) varint(v uint64) protoBuf {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func (b protoBuf) key(field, wire int) protoBuf { return b.varint(uint64(field<<3 | wire)) }

func (b protoBuf) bytesField(field int, s []byte) protoBuf {
	return append(b.key(field, wireBytes).varint(uint64(len(s))), s...)
}

func (b protoBuf) intField(field int, v int64) protoBuf {
	return b.key(field, wireVarint).varint(uint64(v))
}

func (b protoBuf) floatField(field int, f float32) protoBuf {
	u := math.Float32bits(f)
	return append(b.key(field, wireFixed32), byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
}

// BuildBPE returns the ModelProto bytes and the tokenizer of a BPE model
// laid out like LLaMA's: <unk> 0, <s> 1, </s> 2, the 256 byte-fallback
// pieces, every character of words, then every prefix of "▁"+word for each
// word (so BPE can merge a word from the left, one character at a time,
// into a single piece). Longer pieces score higher. The ten digits are
// always pieces and never merge with each other, as in LLaMA: a word made
// of digits adds nothing. Add-dummy-prefix is on; whitespace is not collapsed.
func BuildBPE(name string, words []string) ([]byte, *Tokenizer, error) {
	type piece struct {
		s     string
		score float32
		typ   PieceType
	}
	pieces := []piece{{"<unk>", 0, Unknown}, {"<s>", 0, Control}, {"</s>", 0, Control}}
	for i := 0; i < 256; i++ {
		pieces = append(pieces, piece{fmt.Sprintf("<0x%02X>", i), 0, Byte})
	}
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			pieces = append(pieces, piece{s, -float32(len(pieces)) / 1e4, Normal})
		}
	}
	add("▁")
	chars := map[rune]bool{}
	for r := '0'; r <= '9'; r++ {
		chars[r] = true
	}
	for _, w := range words {
		for _, r := range w {
			chars[r] = true
		}
	}
	rs := make([]rune, 0, len(chars))
	for r := range chars {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	for _, r := range rs {
		if r != ' ' {
			add(string(r))
		}
	}
	for _, w := range words {
		if w == "" || strings.ContainsRune(w, ' ') || strings.Trim(w, "0123456789") == "" {
			continue
		}
		full := "▁" + w
		for i := len("▁") + 1; i <= len(full); i++ {
			if utf8.ValidString(full[:i]) {
				p := full[:i]
				if !seen[p] {
					seen[p] = true
					// Score by length so that longer prefixes always win.
					pieces = append(pieces, piece{p, float32(utf8.RuneCountInString(p)), Normal})
				}
			}
		}
	}
	var m protoBuf
	for _, p := range pieces {
		var sp protoBuf
		sp = sp.bytesField(1, []byte(p.s)).floatField(2, p.score).intField(3, int64(p.typ))
		m = m.bytesField(1, sp)
	}
	var ts protoBuf
	ts = ts.intField(3, modelBPE).intField(35, 1).intField(40, 0).intField(41, 1).intField(42, 2).intField(43, -1)
	m = m.bytesField(2, ts)
	var ns protoBuf
	ns = ns.bytesField(1, []byte("identity")).intField(3, 1).intField(4, 0).intField(5, 1)
	m = m.bytesField(3, ns)
	tok, err := Parse(name, m)
	if err != nil {
		return nil, nil, err
	}
	return m, tok, nil
}
