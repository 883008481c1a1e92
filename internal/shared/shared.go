// Package shared locates the project's ../shared directory (third-party
// data and models that are never committed) for the tests and benchmarks
// that use it, and skips them with a clear message when it is absent.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the "shared" directory beside the module root (the first
// ancestor of the working directory holding go.mod), if it exists. (A
// link named shared beside the checkout points it elsewhere.)
func Dir() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			sh := filepath.Join(filepath.Dir(dir), "shared")
			st, err := os.Stat(sh)
			return sh, err == nil && st.IsDir()
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// File returns the path of rel inside Dir, if that file exists.
func File(rel string) (string, bool) {
	sh, ok := Dir()
	if !ok {
		return "", false
	}
	p := filepath.Join(sh, rel)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

// Need returns the path of rel inside Dir, or skips the test or benchmark
// when it is not there.
func Need(t testing.TB, rel string) string {
	t.Helper()
	p, ok := File(rel)
	if !ok {
		t.Skipf("../shared/%s not available: skipping (put the shared directory, or a link to it, beside the checkout to run this)", rel)
	}
	return p
}
