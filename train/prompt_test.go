// Input assembly: placeholder positions, the text-equivalence of the
// encoding, left padding, masks and target positions.

package train

import (
	"embrec/internal/shared"

	"slices"
	"testing"

	"embrec/llama/tokenizer"
	"embrec/train/data"
)

// testTokenizer loads the llama2 tokenizer from ../shared, or skips.
func testTokenizer(t *testing.T) *tokenizer.Tokenizer {
	t.Helper()
	path, ok := shared.File("models/llama2-tokenizer/tokenizer.model")
	if !ok {
		t.Skip("../shared/models/llama2-tokenizer/tokenizer.model not found: skipping tokenizer-dependent test")
	}
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestPromptPlaceholdersAndTextEquivalence(t *testing.T) {
	tok := testTokenizer(t)
	d, err := data.New("Beauty", []string{"u1"}, [][]string{{"a", "b", "c", "d", "e"}})
	if err != nil {
		t.Fatal(err)
	}
	ix := data.SequentialIndexing(d)
	tpl, err := data.DefaultTemplates().Get("sequential", "seen:0")
	if err != nil {
		t.Fatal(err)
	}
	s := data.Sample{User: 0, History: []int32{0, 1, 2}, Target: 3}

	text := &Encoder{Tok: tok, Data: d, Ix: ix, Mode: TextIDs}
	pt, err := text.Encode(tpl, s, true)
	if err != nil {
		t.Fatal(err)
	}
	in, out := tpl.Render(d.PromptFields(ix, s))
	whole := tok.EncodeBOS(in + ResponseSuffix + " " + out)
	got := append(slices.Clone(pt.Input), pt.Target[:len(pt.Target)-1]...)
	if !slices.Equal(got, whole) {
		t.Fatalf("input+target tokens differ from the whole string's:\n got %v\nwant %v", got, whole)
	}
	if pt.Target[len(pt.Target)-1] != tok.EOS() {
		t.Fatal("target does not end in EOS")
	}

	emb := &Encoder{Tok: tok, Data: d, Ix: ix, Mode: Embeddings}
	pe, err := emb.Encode(tpl, s, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(pe.UserSlots) != 1 || len(pe.ItemSlots) != 3 || !slices.Equal(pe.Items, []int32{0, 1, 2}) {
		t.Fatalf("slots: user %v items %v (%v)", pe.UserSlots, pe.ItemSlots, pe.Items)
	}
	// Slots appear in template order: the user precedes the history here,
	// and the history slots are separated by the "," token.
	comma, _ := tok.ID("▁,")
	if pe.UserSlots[0] >= pe.ItemSlots[0] || pe.Input[pe.ItemSlots[0]+1] != comma {
		t.Fatalf("slot layout: user %v items %v in %v", pe.UserSlots, pe.ItemSlots, pe.Input)
	}
	if !slices.Equal(pe.Target, pt.Target) {
		t.Fatal("the target tokens must not depend on the mode")
	}
	if len(pe.Input) >= len(pt.Input) {
		t.Fatalf("embedding prompt (%d) should be shorter than the text one (%d)", len(pe.Input), len(pt.Input))
	}
}

func TestMakeBatchPaddingAndTargets(t *testing.T) {
	ps := []Prompt{
		{Input: []int32{1, 10, 11}, Target: []int32{20, 2}, UserSlots: []int{1}, User: 4, ItemSlots: []int{2}, Items: []int32{9}},
		{Input: []int32{1, 12}, Target: []int32{21, 22, 2}, User: 5},
	}
	b, err := MakeBatch(ps, 3, 6, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []int32{0, 1, 10, 11, 20, 2, 0, 1, 12, 21, 22, 2, 0, 0, 0, 0, 0, 0}
	wantMask := []int32{0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}
	I := int32(IgnoreIndex)
	wantTgt := []int32{I, I, I, 20, 2, I, I, I, 21, 22, 2, I, I, I, I, I, I, I}
	if !slices.Equal(b.IDs, wantIDs) || !slices.Equal(b.Mask, wantMask) || !slices.Equal(b.Targets, wantTgt) {
		t.Fatalf("ids %v\nmask %v\ntargets %v", b.IDs, b.Mask, b.Targets)
	}
	if !slices.Equal(b.UserRows, []int32{2}) || !slices.Equal(b.UserIdx, []int32{4}) ||
		!slices.Equal(b.ItemRows, []int32{3}) || !slices.Equal(b.ItemIdx, []int32{9}) {
		t.Fatalf("slot rows: users %v/%v items %v/%v", b.UserRows, b.UserIdx, b.ItemRows, b.ItemIdx)
	}
	if b.Tokens != 5 || b.Rows != 2 {
		t.Fatalf("tokens %d rows %d", b.Tokens, b.Rows)
	}
	if _, err := MakeBatch(ps, 3, 4, true, 0); err == nil {
		t.Fatal("overlong prompt accepted")
	}
}
