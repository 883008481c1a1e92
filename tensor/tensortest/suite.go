// Run: the whole conformance suite, one subtest per op family.

package tensortest

import (
	"testing"

	"embrec/tensor"
)

// Run runs every conformance test against b with tolerances tol.
func Run(t *testing.T, b tensor.Backend, tol Tolerances) {
	tests := []struct {
		name string
		fn   func(*testing.T, tensor.Backend, Tolerances)
	}{
		{"Elementwise", Elementwise},
		{"Convert", Convert},
		{"MatMul", MatMul},
		{"RMSNorm", RMSNorm},
		{"RoPE", RoPE},
		{"SwiGLU", SwiGLU},
		{"GELU", GELU},
		{"Attention", Attention},
		{"CrossEntropy", CrossEntropy},
		{"Embedding", Embedding},
		{"Dropout", Dropout},
		{"AdamW", AdamW},
		{"ClipGlobalNorm", ClipGlobalNorm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b, tol) })
	}
}

// rmsScale returns |ref_i| + rms(ref): the magnitude for ops whose error
// scales with the size of the whole output rather than each element.
func rmsScale(ref []float64) []float64 {
	if len(ref) == 0 {
		return nil
	}
	rms := 0.0
	for _, v := range ref {
		rms += v * v
	}
	rms = sqrt(rms / float64(len(ref)))
	out := make([]float64, len(ref))
	for i, v := range ref {
		out[i] = abs1(v) + rms
	}
	return out
}
