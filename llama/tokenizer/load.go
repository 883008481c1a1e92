// Loading: pick the format from the file's content (a JSON object is an HF
// tokenizer.json, anything else a SentencePiece ModelProto) and build the
// Tokenizer, checking everything encoding relies on.

package tokenizer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	formatSentencePiece = "sentencepiece"
	formatHF            = "hf-json"
)

// Load reads a SentencePiece tokenizer.model or an HF tokenizer.json. The
// format is chosen by content: a file whose first non-space byte is '{' is
// JSON. Errors name the file and, where it applies, the piece.
func Load(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := Parse(filepath.Base(path), data)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Parse builds a tokenizer from the bytes of a tokenizer.model or
// tokenizer.json; name is used in messages.
func Parse(name string, data []byte) (*Tokenizer, error) {
	var t *Tokenizer
	var err error
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		t, err = parseHF(name, data)
	} else {
		t, err = parseSentencePiece(name, data)
	}
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", name, err)
	}
	return t, nil
}

// parseSentencePiece builds a tokenizer from a serialized ModelProto.
func parseSentencePiece(name string, data []byte) (*Tokenizer, error) {
	m, err := parseModelProto(data)
	if err != nil {
		return nil, err
	}
	switch m.modelType {
	case modelBPE:
	case modelUnigram:
		return nil, fmt.Errorf("model type UNIGRAM is not supported (only BPE)")
	case modelWord, modelChar:
		return nil, fmt.Errorf("model type %d (WORD/CHAR) is not supported (only BPE)", m.modelType)
	default:
		return nil, fmt.Errorf("unknown model type %d", m.modelType)
	}
	if len(m.charsmap) > 0 {
		return nil, fmt.Errorf("normalizer %q uses a precompiled character map, which is not supported (only the identity normalizer is)", m.normName)
	}
	if m.treatWhitespaceSuffix {
		return nil, fmt.Errorf("treat_whitespace_as_suffix is not supported")
	}
	if len(m.pieces) == 0 {
		return nil, fmt.Errorf("no pieces")
	}
	t := &Tokenizer{
		name: name, format: formatSentencePiece, algo: algoScoreBPE,
		pieces: m.pieces, scores: m.scores, types: m.types,
		merge:    make(map[string]int32, len(m.pieces)),
		reserved: map[string]int32{},
		unk:      -1, bos: -1, eos: -1, pad: -1,
		unkSurface:   m.unkSurface,
		byteFallback: m.byteFallback,
		norm: normalizer{
			addDummyPrefix: m.addDummyPrefix,
			removeExtra:    m.removeExtraWhitespaces,
			escape:         m.escapeWhitespaces,
		},
	}
	for i := range t.byteID {
		t.byteID[i] = -1
	}
	var user []string
	for i, p := range m.pieces {
		id := int32(i)
		table := t.reserved
		switch m.types[i] {
		case Normal, UserDefined, Unused:
			table = t.merge
		case Unknown:
			if t.unk >= 0 {
				return nil, fmt.Errorf("piece %d: second UNKNOWN piece %q (first is %d)", i, p, t.unk)
			}
			t.unk = id
		case Byte:
			if !m.byteFallback {
				return nil, fmt.Errorf("piece %d: byte piece %q but byte_fallback is false", i, p)
			}
			b, ok := parseBytePiece(p)
			if !ok {
				return nil, fmt.Errorf("piece %d: byte piece %q is not of the form <0xNN>", i, p)
			}
			t.byteID[b] = id
		}
		if m.types[i] == UserDefined {
			user = append(user, p)
		}
		if prev, dup := table[p]; dup {
			return nil, fmt.Errorf("piece %d: %q is already piece %d", i, p, prev)
		}
		table[p] = id
	}
	if t.unk < 0 {
		return nil, fmt.Errorf("no UNKNOWN piece")
	}
	if m.unkID != t.unk {
		return nil, fmt.Errorf("trainer_spec unk_id %d but the UNKNOWN piece is %d", m.unkID, t.unk)
	}
	for i := range t.byteID {
		if t.byteID[i] < 0 {
			t.byteID[i] = t.unk // SentencePiece maps a missing byte piece to <unk>
		}
	}
	var err2 error
	special := func(what string, id int32) int32 {
		if id < 0 {
			return -1
		}
		if int(id) >= len(m.pieces) {
			err2 = fmt.Errorf("trainer_spec %s %d is outside the %d pieces", what, id, len(m.pieces))
			return -1
		}
		return id
	}
	t.bos = special("bos_id", m.bosID)
	t.eos = special("eos_id", m.eosID)
	t.pad = special("pad_id", m.padID)
	if err2 != nil {
		return nil, err2
	}
	t.user = newPrefixMatcher(user)
	return t, nil
}

// parseBytePiece reads "<0xNN>" (two upper- or lower-case hex digits).
func parseBytePiece(p string) (byte, bool) {
	if len(p) != 6 || !strings.HasPrefix(p, "<0x") || p[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(p[3:5], 16, 8)
	if err != nil {
		return 0, false
	}
	return byte(v), true
}
