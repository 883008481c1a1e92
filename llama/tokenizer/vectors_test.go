// Exactness against python3-sentencepiece: testdata/vectors.json holds the
// ids and decoded text that SentencePiece 0.1.97 produced for each string and
// model (written by testdata/gen_vectors.py); every one must match.

package tokenizer

import (
	"embrec/internal/shared"

	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
)

const regenerate = "/usr/bin/python3 llama/tokenizer/testdata/gen_vectors.py (from the repository root)"

type vectorFile struct {
	Version string `json:"sentencepiece_version"`
	Models  []struct {
		Model     string `json:"model"`
		VocabSize int    `json:"vocab_size"`
		Encode    []struct {
			Text    string  `json:"text"`
			IDs     []int32 `json:"ids"`
			Decoded string  `json:"decoded"`
		} `json:"encode"`
		Decode []struct {
			IDs  []int32 `json:"ids"`
			Text string  `json:"text"`
		} `json:"decode"`
	} `json:"models"`
}

func readVectors(t *testing.T) *vectorFile {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatalf("%v; regenerate with %s", err, regenerate)
	}
	var v vectorFile
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("testdata/vectors.json: %v; regenerate with %s", err, regenerate)
	}
	return &v
}

func TestSentencePieceVectors(t *testing.T) {
	v := readVectors(t)
	if len(v.Models) != 2 {
		t.Fatalf("vectors.json has %d models, want 2; regenerate with %s", len(v.Models), regenerate)
	}
	for _, m := range v.Models {
		t.Run(m.Model, func(t *testing.T) {
			tok := sharedModel(t, m.Model)
			if tok.VocabSize() != m.VocabSize {
				t.Fatalf("vocab size %d, SentencePiece %d", tok.VocabSize(), m.VocabSize)
			}
			if len(m.Encode) < 60 {
				t.Fatalf("only %d encode vectors; regenerate with %s", len(m.Encode), regenerate)
			}
			bad := 0
			for _, c := range m.Encode {
				got := tok.Encode(c.Text)
				if !slices.Equal(got, c.IDs) {
					bad++
					t.Errorf("Encode(%q)\n got  %v %s\n want %v %s", c.Text, got, pieces(tok, got), c.IDs, pieces(tok, c.IDs))
					continue
				}
				if d := tok.Decode(got); d != c.Decoded {
					bad++
					t.Errorf("Decode(Encode(%q)) = %q, want %q", c.Text, d, c.Decoded)
				}
			}
			for _, c := range m.Decode {
				if d := tok.Decode(c.IDs); d != c.Text {
					bad++
					t.Errorf("Decode(%v %s) = %q, want %q", c.IDs, pieces(tok, c.IDs), d, c.Text)
				}
			}
			if bad > 0 {
				t.Logf("%d mismatches against SentencePiece %s; if the reference changed, regenerate with %s", bad, v.Version, regenerate)
			}
		})
	}
}

// TestSharedStoriesVectors checks the 14 encodings shipped with stories260K
// (SentencePiece 0.1.97, tok512.model), read in place.
func TestSharedStoriesVectors(t *testing.T) {
	tok := sharedModel(t, "stories260K/tok512.model")
	data, err := os.ReadFile(shared.Need(t, "models/stories260K/tokenizer_vectors.json"))
	if err != nil {
		t.Skipf("reference file absent: %v", err)
	}
	var f struct {
		Models map[string][]struct {
			Text    string  `json:"text"`
			IDs     []int32 `json:"ids"`
			Decoded string  `json:"decoded"`
		} `json:"models"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	cases := f.Models["tok512.model"]
	if len(cases) == 0 {
		t.Fatal("no tok512.model cases in tokenizer_vectors.json")
	}
	for _, c := range cases {
		if got := tok.Encode(c.Text); !slices.Equal(got, c.IDs) {
			t.Errorf("Encode(%q) = %v, want %v", c.Text, got, c.IDs)
		}
		if d := tok.Decode(c.IDs); d != c.Decoded {
			t.Errorf("Decode(%v) = %q, want %q", c.IDs, d, c.Decoded)
		}
	}
}

// pieces renders ids as their pieces for failure messages.
func pieces(tok *Tokenizer, ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = tok.Piece(id)
	}
	return fmt.Sprintf("%q", s)
}
