// Reading an HF tokenizer.json with a BPE model (vocab + ranked merges,
// byte_fallback, fuse_unk), the LLaMA normalizer Sequence
// [Prepend("▁"), Replace(" ", "▁")] and added tokens. Anything else the file
// asks for (other normalizers, a pre-tokenizer, dropout, subword prefixes)
// is rejected with an error rather than encoded differently.

package tokenizer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// rankMerge is one entry of the merges list: its rank and the merged id.
type rankMerge struct{ rank, id int32 }

// addedToken is an HF added token, split out of the text before BPE.
type addedToken struct {
	id         int32
	content    string // as written in the text
	pattern    string // what is matched: content, or its normalized form
	normalized bool   // matched in normalized text rather than raw text
}

type hfFile struct {
	AddedTokens []struct {
		ID         int32  `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer   *hfNormalizer   `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        struct {
		Type                    string            `json:"type"`
		Dropout                 *float64          `json:"dropout"`
		UnkToken                *string           `json:"unk_token"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
		FuseUnk                 bool              `json:"fuse_unk"`
		ByteFallback            bool              `json:"byte_fallback"`
		Vocab                   map[string]int32  `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
	} `json:"model"`
}

type hfNormalizer struct {
	Type        string          `json:"type"`
	Normalizers []hfNormalizer  `json:"normalizers"`
	Prepend     string          `json:"prepend"`
	Pattern     json.RawMessage `json:"pattern"`
	Content     string          `json:"content"`
}

// apply records what a supported normalizer does in n, or returns an error.
func (h *hfNormalizer) apply(n *normalizer) error {
	switch h.Type {
	case "Sequence":
		for i := range h.Normalizers {
			if err := h.Normalizers[i].apply(n); err != nil {
				return err
			}
		}
		return nil
	case "Prepend":
		if h.Prepend != spaceSymbol {
			return fmt.Errorf("normalizer Prepend(%q) is not supported (only Prepend(%q))", h.Prepend, spaceSymbol)
		}
		n.addDummyPrefix = true
		return nil
	case "Replace":
		var pat struct {
			String *string `json:"String"`
		}
		if err := json.Unmarshal(h.Pattern, &pat); err != nil || pat.String == nil || *pat.String != " " || h.Content != spaceSymbol {
			return fmt.Errorf("normalizer Replace(%s, %q) is not supported (only Replace(\" \", %q))", h.Pattern, h.Content, spaceSymbol)
		}
		n.escape = true
		return nil
	}
	return fmt.Errorf("normalizer %q is not supported (only LLaMA's Prepend + Replace)", h.Type)
}

// parseHF builds a tokenizer from the bytes of a tokenizer.json.
func parseHF(name string, data []byte) (*Tokenizer, error) {
	var f hfFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	m := &f.Model
	if m.Type != "BPE" {
		return nil, fmt.Errorf("model type %q is not supported (only BPE)", m.Type)
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return nil, fmt.Errorf("BPE dropout %g is not supported", *m.Dropout)
	}
	if (m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "") || (m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "") {
		return nil, fmt.Errorf("continuing_subword_prefix / end_of_word_suffix are not supported")
	}
	if p := strings.TrimSpace(string(f.PreTokenizer)); p != "" && p != "null" {
		return nil, fmt.Errorf("pre_tokenizer %s is not supported (LLaMA's tokenizer.json has none)", p)
	}
	t := &Tokenizer{
		name: name, format: formatHF, algo: algoRankBPE,
		merge:    make(map[string]int32, len(m.Vocab)),
		reserved: map[string]int32{},
		unk:      -1, bos: -1, eos: -1, pad: -1,
		unkSurface:   " \u2047 ",
		byteFallback: m.ByteFallback,
		fuseUnk:      m.FuseUnk,
	}
	if f.Normalizer != nil {
		if err := f.Normalizer.apply(&t.norm); err != nil {
			return nil, err
		}
	}
	size := 0
	for p, id := range m.Vocab {
		if id < 0 || id > 1<<24 {
			return nil, fmt.Errorf("vocab: piece %q has id %d out of range", p, id)
		}
		size = max(size, int(id)+1)
	}
	for _, a := range f.AddedTokens {
		if a.ID < 0 || a.ID > 1<<24 {
			return nil, fmt.Errorf("added token %q has id %d out of range", a.Content, a.ID)
		}
		size = max(size, int(a.ID)+1)
	}
	t.pieces = make([]string, size)
	t.scores = make([]float32, size)
	t.types = make([]PieceType, size)
	for p, id := range m.Vocab {
		if p == "" {
			return nil, fmt.Errorf("vocab: empty piece (id %d)", id)
		}
		if t.pieces[id] != "" {
			return nil, fmt.Errorf("vocab: id %d is both %q and %q", id, t.pieces[id], p)
		}
		t.pieces[id] = p
		t.types[id] = Normal
		t.merge[p] = id
	}
	for i := range t.byteID {
		t.byteID[i] = -1
	}
	if m.ByteFallback {
		for b := range 256 {
			if id, ok := m.Vocab[fmt.Sprintf("<0x%02X>", b)]; ok {
				t.byteID[b] = id
				t.types[id] = Byte
			}
		}
	}
	for _, a := range f.AddedTokens {
		if a.Content == "" {
			return nil, fmt.Errorf("added token %d: empty content", a.ID)
		}
		if a.SingleWord || a.LStrip || a.RStrip {
			return nil, fmt.Errorf("added token %q: single_word/lstrip/rstrip are not supported", a.Content)
		}
		if old := t.pieces[a.ID]; old != "" && old != a.Content {
			return nil, fmt.Errorf("added token %q: id %d is already %q", a.Content, a.ID, old)
		}
		t.pieces[a.ID] = a.Content
		t.types[a.ID] = Normal
		if a.Special {
			t.types[a.ID] = Control
			t.reserved[a.Content] = a.ID
		} else {
			t.merge[a.Content] = a.ID
		}
		tok := addedToken{id: a.ID, content: a.Content, pattern: a.Content, normalized: a.Normalized}
		if a.Normalized {
			tok.pattern = string(t.norm.normalize(nil, a.Content, true, true))
		}
		t.added = append(t.added, tok)
	}
	// Longest pattern first, so that matching at one position takes the
	// longest added token (HF's leftmost-longest rule).
	sort.SliceStable(t.added, func(i, j int) bool { return len(t.added[i].pattern) > len(t.added[j].pattern) })
	for id, p := range t.pieces {
		if p == "" {
			return nil, fmt.Errorf("vocab: no piece has id %d (ids must be dense below %d)", id, size)
		}
	}
	if m.UnkToken != nil {
		id, ok := t.ID(*m.UnkToken)
		if !ok {
			return nil, fmt.Errorf("unk_token %q is not in the vocabulary", *m.UnkToken)
		}
		t.unk = id
		t.types[id] = Unknown
	}
	if id, ok := t.ID("<s>"); ok {
		t.bos = id
	}
	if id, ok := t.ID("</s>"); ok {
		t.eos = id
	}
	if id, ok := t.ID("[PAD]"); ok {
		t.pad = id
	} else if id, ok := t.ID("<pad>"); ok {
		t.pad = id
	}
	if err := t.parseMerges(m.Merges); err != nil {
		return nil, err
	}
	return t, nil
}

// parseMerges reads the merges list ("a b" strings or ["a", "b"] pairs).
func (t *Tokenizer) parseMerges(raw []json.RawMessage) error {
	t.merges = make(map[uint64]rankMerge, len(raw))
	for rank, r := range raw {
		var a, b string
		var s string
		var pair []string
		if err := json.Unmarshal(r, &s); err == nil {
			parts := strings.Split(s, " ")
			if len(parts) != 2 {
				return fmt.Errorf("merge %d: %q is not two pieces separated by one space", rank, s)
			}
			a, b = parts[0], parts[1]
		} else if err := json.Unmarshal(r, &pair); err == nil && len(pair) == 2 {
			a, b = pair[0], pair[1]
		} else {
			return fmt.Errorf("merge %d: %s is neither \"a b\" nor [\"a\", \"b\"]", rank, r)
		}
		ia, oka := t.merge[a]
		ib, okb := t.merge[b]
		ic, okc := t.merge[a+b]
		if !oka || !okb || !okc {
			return fmt.Errorf("merge %d: %q + %q: a piece is not in the vocabulary", rank, a, b)
		}
		k := uint64(uint32(ia))<<32 | uint64(uint32(ib))
		if _, dup := t.merges[k]; !dup {
			t.merges[k] = rankMerge{rank: int32(rank), id: ic}
		}
	}
	return nil
}
