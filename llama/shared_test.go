// Test helpers: ../shared files (skipping cleanly when absent) and small
// comparison utilities.

package llama

import (
	"fmt"
	"math"
	"testing"

	"embrec/internal/shared"
	"embrec/tensor"
)

// sharedPath returns ../shared/rel or skips the test when it is absent.
func sharedPath(t testing.TB, rel string) string { return shared.Need(t, rel) }

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
