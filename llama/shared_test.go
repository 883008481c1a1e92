// Test helpers: locating ../shared beside the module root, skipping
// cleanly when it is absent, and small comparison utilities.

package llama

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"embrec/tensor"
)

// sharedPath returns ../shared/rel (next to the module root, found by
// walking up to go.mod), or skips the test when it does not exist.
func sharedPath(t testing.TB, rel string) string {
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
	p := filepath.Join(filepath.Dir(dir), "shared", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference files absent, skipping (%v)", err)
	}
	return p
}

// maxAbsDiff returns max |a-b| and its index.
func maxAbsDiff(a, b []float32) (float64, int) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("maxAbsDiff: %d vs %d", len(a), len(b)))
	}
	worst, at := 0.0, -1
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	return worst, at
}

func host(b tensor.Backend, t *tensor.Tensor) []float32 {
	out := make([]float32, t.Len())
	b.Download(out, t)
	return out
}
