// The Tokenizer type: vocabulary, special ids, lookups, and the public
// encoding entry points shared by the SentencePiece and HF formats.

package tokenizer

import (
	"fmt"
	"strings"
)

// algorithm selects how a normalized string is split into pieces.
type algorithm uint8

const (
	algoScoreBPE algorithm = iota + 1 // SentencePiece BPE: merge by piece score
	algoRankBPE                       // HF BPE: merge by rank in the merges list
)

// Tokenizer encodes text to token ids and back. It is immutable after Load
// and safe for concurrent use.
type Tokenizer struct {
	name   string // file name used in messages
	format string // "sentencepiece" or "hf-json"
	algo   algorithm

	pieces []string    // (V) piece text by id
	scores []float32   // (V) SentencePiece scores (HF: 0)
	types  []PieceType // (V)

	// Lookup tables. merge holds the pieces merging may produce (SentencePiece
	// NORMAL, USER_DEFINED and UNUSED; for HF every vocabulary entry); reserved
	// holds the others (CONTROL, UNKNOWN, BYTE).
	merge    map[string]int32
	reserved map[string]int32
	byteID   [256]int32 // id of <0xNN>, -1 if absent

	unk, bos, eos, pad int32 // -1 when the model has none
	unkSurface         string
	byteFallback       bool
	fuseUnk            bool // HF: consecutive unknown characters make one <unk>
	norm               normalizer

	user   *prefixMatcher // SentencePiece user-defined pieces, matched first
	merges map[uint64]rankMerge
	added  []addedToken // HF added tokens, split out before normalization
}

// Name returns the base name of the file the tokenizer was loaded from.
func (t *Tokenizer) Name() string { return t.name }

// Format returns "sentencepiece" or "hf-json".
func (t *Tokenizer) Format() string { return t.format }

// VocabSize returns the number of ids (the embedding table's row count).
func (t *Tokenizer) VocabSize() int { return len(t.pieces) }

// BOS returns the beginning-of-sentence id, or -1 if the model has none.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the end-of-sentence id, or -1 if the model has none.
func (t *Tokenizer) EOS() int32 { return t.eos }

// UNK returns the unknown-piece id, or -1 if the model has none.
func (t *Tokenizer) UNK() int32 { return t.unk }

// PAD returns the padding id, or -1 if the model has none.
func (t *Tokenizer) PAD() int32 { return t.pad }

// Piece returns the text of piece id ("" if id is out of range).
func (t *Tokenizer) Piece(id int32) string {
	if id < 0 || int(id) >= len(t.pieces) {
		return ""
	}
	return t.pieces[id]
}

// Type returns the type of piece id (0 if id is out of range).
func (t *Tokenizer) Type(id int32) PieceType {
	if id < 0 || int(id) >= len(t.pieces) {
		return 0
	}
	return t.types[id]
}

// Score returns the SentencePiece score of piece id (0 for HF files).
func (t *Tokenizer) Score(id int32) float32 {
	if id < 0 || int(id) >= len(t.scores) {
		return 0
	}
	return t.scores[id]
}

// ID returns the id of a piece given by its text (for example "▁the",
// "<s>" or "<0x0A>"), and whether it exists.
func (t *Tokenizer) ID(piece string) (int32, bool) {
	if id, ok := t.reserved[piece]; ok {
		return id, true
	}
	id, ok := t.merge[piece]
	return id, ok
}

// Encode tokenizes text without BOS or EOS.
func (t *Tokenizer) Encode(text string) []int32 {
	return t.AppendEncode(nil, text)
}

// EncodeBOS tokenizes text and puts the BOS id first (if the model has one),
// the usual input of a LLaMA model.
func (t *Tokenizer) EncodeBOS(text string) []int32 {
	var dst []int32
	if t.bos >= 0 {
		dst = append(dst, t.bos)
	}
	return t.AppendEncode(dst, text)
}

// AppendEncode appends the ids of text (no BOS, no EOS) to dst.
func (t *Tokenizer) AppendEncode(dst []int32, text string) []int32 {
	return t.encodeFragment(dst, text, true, true)
}

// encodeFragment encodes text that is a fragment of a longer input: first
// says it starts the input (dummy prefix, leading-whitespace removal), last
// that it ends it (trailing-whitespace removal).
func (t *Tokenizer) encodeFragment(dst []int32, text string, first, last bool) []int32 {
	if t.format == formatHF {
		return t.encodeHF(dst, text, first)
	}
	buf := t.norm.normalize(make([]byte, 0, len(text)+len(text)/2+4), text, first, last)
	return t.encodeScoreBPE(dst, string(buf))
}

// String describes the tokenizer in one line.
func (t *Tokenizer) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %d pieces, bos %d, eos %d, unk %d", t.name, t.format, len(t.pieces), t.bos, t.eos, t.unk)
	if t.byteFallback {
		b.WriteString(", byte fallback")
	}
	b.WriteString(")")
	return b.String()
}
