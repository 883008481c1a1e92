// Test helpers: locating ../shared (next to the module root) and loading the
// reference tokenizers, skipping cleanly when they are absent.

package tokenizer

import (
	"testing"

	"embrec/internal/shared"
)

// sharedModel loads a tokenizer from ../shared/models/rel, skipping when the
// file is absent.
func sharedModel(t testing.TB, rel string) *Tokenizer {
	t.Helper()
	tok, err := Load(shared.Need(t, "models/"+rel))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
