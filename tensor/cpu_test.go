// The conformance suite on the CPU backend, and allocation checks of the
// hot ops.

package tensor_test

import (
	"testing"

	"embrec/tensor"
	"embrec/tensor/tensortest"
)

func TestConformanceCPU(t *testing.T) {
	for _, threads := range []int{1, 2} {
		b := tensor.NewCPU(threads)
		t.Run(b.Name(), func(t *testing.T) { tensortest.Run(t, b, tensortest.F32) })
	}
}
