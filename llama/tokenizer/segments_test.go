// EncodeSegments: placeholders take one position each, and the ids around
// them equal the whole-string encoding with the placeholder's word removed.

package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

// prompt splits a template at {} into segments and also returns the whole
// string with words[i] written at the i-th {}.
func prompt(tmpl string, words []string) ([]Segment, string) {
	parts := strings.Split(tmpl, "{}")
	var segs []Segment
	var whole strings.Builder
	for i, p := range parts {
		segs = append(segs, Text(p))
		whole.WriteString(p)
		if i < len(parts)-1 {
			segs = append(segs, Slot())
			whole.WriteString(words[i])
		}
	}
	return segs, whole.String()
}

func TestEncodeSegments(t *testing.T) {
	templates := []struct {
		tmpl  string
		words []string
	}{
		{"Beauty {} has purchased Beauty items {} , {} , {} , predict next possible item to be bought by the user ?", []string{"user_123", "item_1001", "item_1002", "item_1003"}},
		{"Considering LastFM {} has interacted with LastFM items {} . What is the next recommendation for the user ? Response: ", []string{"user_7", "item_1001"}},
		{"{} has interacted with items {} {} .", []string{"user_7", "item_1001", "item_1002"}},
		{"What is the next item to recommend for ML1M {} ?", []string{"user_6040"}},
		{"  spaced   {}  end  ", []string{"user_1"}},
	}
	for _, rel := range []string{"stories260K/tok512.model", "llama2-tokenizer/tokenizer.model", "openllama-3b-config/tokenizer.json"} {
		t.Run(rel, func(t *testing.T) {
			tok := sharedModel(t, rel)
			for _, c := range templates {
				segs, whole := prompt(c.tmpl, c.words)
				ids, slots := tok.EncodeSegments(segs, true)
				if len(slots) != len(c.words) {
					t.Fatalf("%q: %d slots, want %d", c.tmpl, len(slots), len(c.words))
				}
				// Rebuild the whole-string encoding: replace each slot by the
				// tokens of " "+word (or the dummy-prefixed word at the start).
				var want []int32
				want = append(want, tok.BOS())
				var got []int32
				prev := 0
				for i, s := range slots {
					got = append(got, ids[prev:s]...)
					if ids[s] != max(tok.UNK(), 0) {
						t.Errorf("%q: slot %d holds %d", c.tmpl, s, ids[s])
					}
					w := " " + c.words[i]
					if s == 1 {
						w = c.words[i]
					}
					got = append(got, tok.encodeFragment(nil, w, s == 1, false)...)
					prev = s + 1
				}
				got = append(got, ids[prev:]...)
				want = append(want, tok.Encode(whole)...)
				if !slices.Equal(got, want) {
					t.Errorf("%q\n segments+words %s\n whole string   %s", whole, pieces(tok, got), pieces(tok, want))
				}
			}
		})
	}
}

func TestEncodeSegmentsEdges(t *testing.T) {
	tok := sharedModel(t, "llama2-tokenizer/tokenizer.model")
	ids, slots := tok.EncodeSegments(nil, true)
	if !slices.Equal(ids, []int32{tok.BOS()}) || len(slots) != 0 {
		t.Errorf("empty prompt: %v %v", ids, slots)
	}
	ids, slots = tok.EncodeSegments([]Segment{Slot(), Text(" "), Slot()}, false)
	if !slices.Equal(ids, []int32{0, 0}) || !slices.Equal(slots, []int{0, 1}) {
		t.Errorf("two slots: %v %v", ids, slots)
	}
	ids, _ = tok.EncodeSegments([]Segment{Text("hello world")}, false)
	if !slices.Equal(ids, tok.Encode("hello world")) {
		t.Errorf("one text segment %v != Encode %v", ids, tok.Encode("hello world"))
	}
}
