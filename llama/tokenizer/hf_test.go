// Tests of the HF tokenizer.json path. No HF reference implementation is
// available here, so verification is indirect:
//   - the llama2 SentencePiece model is converted in memory to a
//     tokenizer.json (merges ranked by the score of the merged piece, as HF's
//     converter does) and must reproduce python3-sentencepiece's ids from
//     testdata/vectors.json through the rank-BPE code path;
//   - OpenLLaMA's tokenizer.json: hand-checked encodings, BPE fixpoint (no
//     adjacent pair of output ids is in the merges list), round trips.

package tokenizer

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// hfFromSentencePiece writes a tokenizer.json equivalent to a SentencePiece
// BPE model: vocabulary with ids, merges of every (a, b) whose concatenation
// is a piece, ordered by that piece's score (best first), then by its id.
func hfFromSentencePiece(t *testing.T, sp *Tokenizer) []byte {
	t.Helper()
	vocab := map[string]int32{}
	for id, p := range sp.pieces {
		vocab[p] = int32(id)
	}
	type m struct {
		a, b  string
		score float32
		id    int32
	}
	var ms []m
	for id, p := range sp.pieces {
		if sp.types[id] != Normal {
			continue
		}
		for i := 1; i < len(p); i++ {
			a, b := p[:i], p[i:]
			ia, oka := sp.merge[a]
			ib, okb := sp.merge[b]
			if oka && okb && sp.types[ia] == Normal && sp.types[ib] == Normal {
				ms = append(ms, m{a, b, sp.scores[id], int32(id)})
			}
		}
	}
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].score != ms[j].score {
			return ms[i].score > ms[j].score
		}
		return ms[i].id < ms[j].id
	})
	merges := make([]string, len(ms))
	for i, x := range ms {
		merges[i] = x.a + " " + x.b
	}
	doc := map[string]any{
		"added_tokens": []map[string]any{
			{"id": 0, "content": "<unk>", "special": true, "normalized": false},
			{"id": 1, "content": "<s>", "special": true, "normalized": false},
			{"id": 2, "content": "</s>", "special": true, "normalized": false},
		},
		"normalizer": map[string]any{"type": "Sequence", "normalizers": []any{
			map[string]any{"type": "Prepend", "prepend": "▁"},
			map[string]any{"type": "Replace", "pattern": map[string]any{"String": " "}, "content": "▁"},
		}},
		"pre_tokenizer": nil,
		"model": map[string]any{"type": "BPE", "unk_token": "<unk>", "fuse_unk": true,
			"byte_fallback": true, "vocab": vocab, "merges": merges},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHFRankBPEAgainstSentencePiece runs the rank-BPE path on a
// tokenizer.json converted from the llama2 model and compares with the
// SentencePiece vectors (strings without "<s>"-like text, which HF treats as
// added tokens).
func TestHFRankBPEAgainstSentencePiece(t *testing.T) {
	sp := sharedModel(t, "llama2-tokenizer/tokenizer.model")
	hf, err := Parse("llama2-converted.json", hfFromSentencePiece(t, sp))
	if err != nil {
		t.Fatal(err)
	}
	v := readVectors(t)
	n := 0
	for _, m := range v.Models {
		if m.Model != "llama2-tokenizer/tokenizer.model" {
			continue
		}
		for _, c := range m.Encode {
			if strings.Contains(c.Text, "<s>") || strings.Contains(c.Text, "</s>") || strings.Contains(c.Text, "<unk>") {
				continue
			}
			n++
			if got := hf.Encode(c.Text); !slices.Equal(got, c.IDs) {
				t.Errorf("HF path Encode(%q)\n got  %v %s\n want %v %s", c.Text, got, pieces(hf, got), c.IDs, pieces(hf, c.IDs))
			}
		}
	}
	if n < 60 {
		t.Fatalf("only %d comparable vectors", n)
	}
}

func TestOpenLLaMATokenizerJSON(t *testing.T) {
	tok := sharedModel(t, "openllama-3b-config/tokenizer.json")
	if tok.VocabSize() != 32001 || tok.BOS() != 1 || tok.EOS() != 2 || tok.UNK() != 0 || tok.PAD() != 32000 {
		t.Fatalf("got %v, pad %d; want 32001 pieces, bos 1, eos 2, unk 0, pad 32000", tok, tok.PAD())
	}
	// Hand-checked: every piece below is in the vocabulary, and no longer
	// piece covers two neighbours (OpenLLaMA splits digits, has no "▁▁").
	hand := []struct {
		text   string
		pieces []string
	}{
		{"Hello world", []string{"▁Hello", "▁world"}},
		{"Beauty item_1234", []string{"▁Beauty", "▁item", "_", "1", "2", "3", "4"}},
		{"a  b", []string{"▁a", "▁", "▁b"}},
		{"世", []string{"▁", "<0xE4>", "<0xB8>", "<0x96>"}},
		{"x</s>y", []string{"▁x", "</s>", "▁y"}},
	}
	for _, h := range hand {
		ids := tok.Encode(h.text)
		got := make([]string, len(ids))
		for i, id := range ids {
			got[i] = tok.Piece(id)
		}
		if !slices.Equal(got, h.pieces) {
			t.Errorf("Encode(%q) = %q, want %q", h.text, got, h.pieces)
		}
	}
	v := readVectors(t)
	for _, c := range v.Models[0].Encode {
		ids := tok.Encode(c.Text)
		for i := 1; i < len(ids); i++ {
			k := uint64(uint32(ids[i-1]))<<32 | uint64(uint32(ids[i]))
			if _, ok := tok.merges[k]; ok {
				t.Errorf("Encode(%q): pieces %q %q left unmerged", c.Text, tok.Piece(ids[i-1]), tok.Piece(ids[i]))
			}
		}
		// A literal U+2581 in the text decodes as a space; "<s>" and
		// friends are added tokens and decode to nothing.
		if strings.ContainsAny(c.Text, "<>▁") || strings.HasPrefix(c.Text, " ") {
			continue
		}
		if d := tok.Decode(ids); d != c.Text {
			t.Errorf("round trip %q -> %v -> %q", c.Text, ids, d)
		}
	}
}

func ExampleTokenizer_Encode() {
	tok, err := Load("../../../shared/models/llama2-tokenizer/tokenizer.model")
	if err != nil {
		fmt.Println("reference model absent")
		return
	}
	ids := tok.EncodeBOS("Beauty item_1234")
	fmt.Println(ids, tok.Decode(ids))
}
