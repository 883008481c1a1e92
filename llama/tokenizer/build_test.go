// BuildBPE: whole words become one piece, digits stay single, unknown
// characters fall back to bytes, and the bytes parse back identically.

package tokenizer

import (
	"slices"
	"testing"
)

func TestBuildBPE(t *testing.T) {
	raw, tok, err := BuildBPE("demo.model", []string{"Synth", "user_", "item_", "has", "1234", ",", "Response:"})
	if err != nil {
		t.Fatal(err)
	}
	got := tok.Encode("Synth user_12 has item_1034 , Response:")
	var pieces []string
	for _, id := range got {
		pieces = append(pieces, tok.Piece(id))
	}
	want := []string{"▁Synth", "▁user_", "1", "2", "▁has", "▁item_", "1", "0", "3", "4", "▁,", "▁Response:"}
	if !slices.Equal(pieces, want) {
		t.Fatalf("pieces %q, want %q", pieces, want)
	}
	if dec := tok.Decode(got); dec != "Synth user_12 has item_1034 , Response:" {
		t.Fatalf("decode %q", dec)
	}
	if ids := tok.Encode("é"); len(ids) != 3 || tok.Type(ids[1]) != Byte { // ▁ then two UTF-8 bytes
		t.Fatalf("byte fallback: %v", ids)
	}
	again, err := Parse("again.model", raw)
	if err != nil || !slices.Equal(again.Encode("Synth user_12"), tok.Encode("Synth user_12")) {
		t.Fatalf("reparse: %v", err)
	}
	if tok.BOS() != 1 || tok.EOS() != 2 || tok.UNK() != 0 {
		t.Fatalf("specials %d %d %d", tok.BOS(), tok.EOS(), tok.UNK())
	}
}
