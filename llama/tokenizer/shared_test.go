// Test helpers: locating ../shared (next to the module root) and loading the
// reference tokenizers, skipping cleanly when they are absent.

package tokenizer

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns the ../shared directory beside the module root (found by
// walking up to go.mod), or skips the test when it does not exist.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the test directory; cannot locate ../shared")
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("reference files absent (%s): %v", shared, err)
	}
	return shared
}

// sharedModel loads a tokenizer from ../shared/models/rel, skipping when the
// file is absent.
func sharedModel(t testing.TB, rel string) *Tokenizer {
	t.Helper()
	path := filepath.Join(sharedDir(t), "models", rel)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("reference file absent: %v", err)
	}
	tok, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
