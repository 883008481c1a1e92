// Tests on small models built in the test: the ModelProto parser's handling
// of malformed input, user-defined and unused pieces, <unk> without byte
// fallback, and the normalizer flags. Expected ids are worked out by hand.

package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

type testPiece struct {
	piece string
	score float32
	typ   PieceType
}

// buildModel serializes a BPE ModelProto with the given pieces and flags.
func buildModel(pieces []testPiece, byteFallback, dummy, removeExtra bool) []byte {
	var m protoBuf
	for _, p := range pieces {
		var sp protoBuf
		sp = sp.bytesField(1, []byte(p.piece)).floatField(2, p.score).intField(3, int64(p.typ))
		m = m.bytesField(1, sp)
	}
	bf := int64(0)
	if byteFallback {
		bf = 1
	}
	var ts protoBuf
	ts = ts.intField(3, modelBPE).intField(35, bf).intField(40, 0).intField(41, 1).intField(42, 2).intField(43, -1)
	m = m.bytesField(2, ts)
	b2i := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	var ns protoBuf
	ns = ns.bytesField(1, []byte("identity")).intField(3, b2i(dummy)).intField(4, b2i(removeExtra)).intField(5, 1)
	return m.bytesField(3, ns)
}

// tinyPieces: specials, a user-defined "<item>", an UNUSED "ab", and
// normal pieces whose scores decide the merge order.
func tinyPieces() []testPiece {
	return []testPiece{
		{"<unk>", 0, Unknown}, {"<s>", 0, Control}, {"</s>", 0, Control},
		{"<item>", 0, UserDefined},
		{"▁", -1, Normal}, {"a", -2, Normal}, {"b", -3, Normal}, {"c", -4, Normal},
		{"ab", -5, Unused}, {"abc", -6, Normal}, {"▁a", -7, Normal}, {"bc", -8, Normal},
	}
}

func TestTinyModel(t *testing.T) {
	tok, err := Parse("tiny.model", buildModel(tinyPieces(), false, true, false))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text   string
		pieces []string
	}{
		// "▁abc": candidates ▁a(-7), ab(-5), bc(-8); ab first, then abc(-6)
		// beats ▁a... (▁+ab is not a piece), leaving ▁ and abc.
		{"abc", []string{"▁", "abc"}},
		// "▁ab": ab merges (-5) but is UNUSED, so it is re-split into a, b.
		{"ab", []string{"▁", "a", "b"}},
		{"ba", []string{"▁", "b", "a"}},
		// user-defined pieces stay whole and never merge with neighbours.
		{"a<item>c", []string{"▁a", "<item>", "c"}},
		// no byte fallback: an unknown character is <unk>.
		{"aé", []string{"▁a", "<unk>"}},
		// "<s>" in text is not the control piece.
		{"<s>", []string{"▁", "<unk>", "<unk>", "<unk>"}},
	}
	for _, c := range cases {
		ids := tok.Encode(c.text)
		got := make([]string, len(ids))
		for i, id := range ids {
			got[i] = tok.Piece(id)
		}
		if !slices.Equal(got, c.pieces) {
			t.Errorf("Encode(%q) = %q, want %q", c.text, got, c.pieces)
		}
	}
	if d := tok.Decode(tok.Encode("aé")); d != "a \u2047 " {
		t.Errorf("Decode with <unk> = %q", d)
	}
	if id, ok := tok.ID("<item>"); !ok || id != 3 || tok.Type(id) != UserDefined {
		t.Errorf("ID(<item>) = %d %v", id, ok)
	}
	if _, ok := tok.ID("zzz"); ok {
		t.Error("ID(zzz) found")
	}
}

func TestNormalizerFlags(t *testing.T) {
	for _, c := range []struct {
		dummy, extra bool
		in, want     string
	}{
		{true, false, "  a  b ", "▁▁▁a▁▁b▁"},
		{true, true, "  a  b ", "▁a▁b"},
		{false, false, " a", "▁a"},
		{false, true, "  a ", "a"},
		{true, true, "   ", ""},
		{true, false, "", ""},
		{true, false, "a\xffb", "▁a\uFFFDb"},
	} {
		n := normalizer{addDummyPrefix: c.dummy, removeExtra: c.extra, escape: true}
		if got := string(n.normalize(nil, c.in, true, true)); got != c.want {
			t.Errorf("normalize(%q, dummy %v, extra %v) = %q, want %q", c.in, c.dummy, c.extra, got, c.want)
		}
	}
}

func TestMalformedModels(t *testing.T) {
	good := buildModel(tinyPieces(), false, true, false)
	// Every prefix of a valid model either parses or fails; none panics.
	for n := range len(good) {
		Parse("cut.model", good[:n])
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty (defaults to UNIGRAM)", nil, "UNIGRAM is not supported"},
		{"truncated piece", good[:10], "tokenizer: m.model: piece 0: truncated"},
		{"bad type", buildModel([]testPiece{{"<unk>", 0, Unknown}, {"x", 0, 9}}, false, true, false), "piece 1: unknown piece type 9"},
		{"dup", buildModel([]testPiece{{"<unk>", 0, Unknown}, {"x", 0, Normal}, {"x", 0, Normal}}, false, true, false), `piece 2: "x" is already piece 1`},
		{"no unk", buildModel([]testPiece{{"x", 0, Normal}}, false, true, false), "no UNKNOWN piece"},
		{"byte without fallback", buildModel([]testPiece{{"<unk>", 0, Unknown}, {"<0x41>", 0, Byte}}, false, true, false), "byte_fallback is false"},
		{"bad byte", buildModel([]testPiece{{"<unk>", 0, Unknown}, {"<0xZZ>", 0, Byte}}, true, true, false), `piece 1: byte piece "<0xZZ>"`},
		{"empty piece", buildModel([]testPiece{{"<unk>", 0, Unknown}, {"", 0, Normal}}, false, true, false), "piece 1: empty piece"},
		{"unigram", protoBuf(nil).bytesField(2, protoBuf(nil).intField(3, modelUnigram)), "UNIGRAM is not supported"},
		{"charsmap", append(buildModel(tinyPieces(), false, true, false), protoBuf(nil).bytesField(3, protoBuf(nil).bytesField(1, []byte("nmt_nfkc")).bytesField(2, []byte{1, 2, 3}))...), `normalizer "nmt_nfkc" uses a precompiled character map`},
		{"json", []byte(`{"model": {"type": "Unigram"}}`), `model type "Unigram" is not supported`},
		{"json normalizer", []byte(`{"normalizer": {"type": "NFKC"}, "model": {"type": "BPE"}}`), `normalizer "NFKC" is not supported`},
	}
	for _, c := range cases {
		_, err := Parse("m.model", c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}
