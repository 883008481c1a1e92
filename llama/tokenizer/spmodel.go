// Parsing of SentencePiece's ModelProto (tokenizer.model): the pieces with
// their scores and types, the trainer settings that matter for encoding, and
// the normalizer flags. Field numbers follow sentencepiece_model.proto.

package tokenizer

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// PieceType is the kind of a vocabulary entry, as in SentencePiece.
type PieceType uint8

// The SentencePiece piece types (values as on the wire).
const (
	Normal      PieceType = 1 // ordinary subword
	Unknown     PieceType = 2 // the <unk> piece
	Control     PieceType = 3 // <s>, </s>: never produced from text, decodes to nothing
	UserDefined PieceType = 4 // always kept whole when it appears in the text
	Unused      PieceType = 5 // merged through but re-split on output
	Byte        PieceType = 6 // <0xNN> byte-fallback pieces
)

func (t PieceType) String() string {
	switch t {
	case Normal:
		return "NORMAL"
	case Unknown:
		return "UNKNOWN"
	case Control:
		return "CONTROL"
	case UserDefined:
		return "USER_DEFINED"
	case Unused:
		return "UNUSED"
	case Byte:
		return "BYTE"
	}
	return fmt.Sprintf("PieceType(%d)", uint8(t))
}

// Model types of TrainerSpec.model_type.
const (
	modelUnigram = 1
	modelBPE     = 2
	modelWord    = 3
	modelChar    = 4
)

// spModel is the decoded content of a ModelProto that encoding needs.
type spModel struct {
	pieces []string
	scores []float32
	types  []PieceType

	modelType              int32
	byteFallback           bool
	treatWhitespaceSuffix  bool
	unkID, bosID, eosID    int32
	padID                  int32
	unkSurface             string
	normName               string
	charsmap               []byte
	addDummyPrefix         bool
	removeExtraWhitespaces bool
	escapeWhitespaces      bool
}

// parseModelProto decodes a serialized ModelProto. Unknown fields are
// skipped; malformed input is an error, never a panic.
func parseModelProto(data []byte) (*spModel, error) {
	m := &spModel{
		modelType: modelUnigram, unkID: 0, bosID: 1, eosID: 2, padID: -1,
		unkSurface:     " \u2047 ",
		addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true,
	}
	r := wireReader{b: data}
	for !r.done() {
		field, wire, err := r.key()
		if err != nil {
			return nil, fmt.Errorf("not a SentencePiece model (byte %d): %w", r.off, err)
		}
		switch field {
		case 1: // pieces
			if err := expect(field, wire, wireBytes); err != nil {
				return nil, fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			b, err := r.bytes()
			if err != nil {
				return nil, fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			if err := m.parsePiece(b); err != nil {
				return nil, fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
		case 2, 3: // trainer_spec, normalizer_spec
			name := map[int]string{2: "trainer_spec", 3: "normalizer_spec"}[field]
			if err := expect(field, wire, wireBytes); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			b, err := r.bytes()
			if err == nil {
				if field == 2 {
					err = m.parseTrainerSpec(b)
				} else {
					err = m.parseNormalizerSpec(b)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		default: // self_test_data, denormalizer_spec, extensions
			if err := r.skip(wire); err != nil {
				return nil, fmt.Errorf("not a SentencePiece model (byte %d, field %d): %w", r.off, field, err)
			}
		}
	}
	return m, nil
}

func (m *spModel) parsePiece(b []byte) error {
	var piece string
	var score float32
	typ := Normal
	r := wireReader{b: b}
	for !r.done() {
		field, wire, err := r.key()
		if err != nil {
			return err
		}
		switch field {
		case 1:
			if err := expect(field, wire, wireBytes); err != nil {
				return err
			}
			s, err := r.bytes()
			if err != nil {
				return err
			}
			piece = string(s)
		case 2:
			if err := expect(field, wire, wireFixed32); err != nil {
				return err
			}
			v, err := r.fixed32()
			if err != nil {
				return err
			}
			score = math.Float32frombits(v)
		case 3:
			if err := expect(field, wire, wireVarint); err != nil {
				return err
			}
			v, err := r.varint()
			if err != nil {
				return err
			}
			if v < uint64(Normal) || v > uint64(Byte) {
				return fmt.Errorf("unknown piece type %d", v)
			}
			typ = PieceType(v)
		default:
			if err := r.skip(wire); err != nil {
				return err
			}
		}
	}
	if piece == "" {
		return fmt.Errorf("empty piece")
	}
	if !utf8.ValidString(piece) {
		return fmt.Errorf("piece %q is not valid UTF-8", piece)
	}
	if math.IsNaN(float64(score)) {
		return fmt.Errorf("piece %q has a NaN score", piece)
	}
	m.pieces = append(m.pieces, piece)
	m.scores = append(m.scores, score)
	m.types = append(m.types, typ)
	return nil
}

func (m *spModel) parseTrainerSpec(b []byte) error {
	r := wireReader{b: b}
	for !r.done() {
		field, wire, err := r.key()
		if err != nil {
			return err
		}
		var dst *int32
		var flag *bool
		switch field {
		case 3:
			dst = &m.modelType
		case 40:
			dst = &m.unkID
		case 41:
			dst = &m.bosID
		case 42:
			dst = &m.eosID
		case 43:
			dst = &m.padID
		case 24:
			flag = &m.treatWhitespaceSuffix
		case 35:
			flag = &m.byteFallback
		case 44:
			if err := expect(field, wire, wireBytes); err != nil {
				return err
			}
			s, err := r.bytes()
			if err != nil {
				return err
			}
			m.unkSurface = string(s)
			continue
		}
		switch {
		case dst != nil:
			if err := expect(field, wire, wireVarint); err != nil {
				return err
			}
			if *dst, err = r.int32Value(); err != nil {
				return fmt.Errorf("field %d: %w", field, err)
			}
		case flag != nil:
			if err := expect(field, wire, wireVarint); err != nil {
				return err
			}
			if *flag, err = r.boolValue(); err != nil {
				return err
			}
		default:
			if err := r.skip(wire); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *spModel) parseNormalizerSpec(b []byte) error {
	r := wireReader{b: b}
	for !r.done() {
		field, wire, err := r.key()
		if err != nil {
			return err
		}
		var flag *bool
		switch field {
		case 1, 2:
			if err := expect(field, wire, wireBytes); err != nil {
				return err
			}
			s, err := r.bytes()
			if err != nil {
				return err
			}
			if field == 1 {
				m.normName = string(s)
			} else {
				m.charsmap = s
			}
			continue
		case 3:
			flag = &m.addDummyPrefix
		case 4:
			flag = &m.removeExtraWhitespaces
		case 5:
			flag = &m.escapeWhitespaces
		}
		if flag == nil {
			if err := r.skip(wire); err != nil {
				return err
			}
			continue
		}
		if err := expect(field, wire, wireVarint); err != nil {
			return err
		}
		if *flag, err = r.boolValue(); err != nil {
			return err
		}
	}
	return nil
}
