// Package finite finds NaN and ±Inf in float buffers: weights, factors and
// checkpoints are checked with it when they are loaded or saved, so that a
// non-finite value is refused with the tensor's name instead of spreading.
package finite

import "math"

// Index returns the index of the first NaN or ±Inf in v, or -1.
func Index(v []float32) int {
	for i, x := range v {
		// x-x is 0 for every finite x and NaN for NaN and ±Inf.
		if x-x != 0 {
			return i
		}
	}
	return -1
}

// Float64 reports whether x is neither NaN nor ±Inf.
func Float64(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
