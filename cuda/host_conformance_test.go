// The conformance suite on the host-compiled kernels (host_test.go), at
// the CPU's float32 tolerances (the GPU's figures: conformance_test.go).

package cuda

import (
	"testing"

	"embrec/tensor/tensortest"
)

// TestConformanceHost runs the conformance suite on the emulated kernels.
func TestConformanceHost(t *testing.T) {
	b := newHostBackend(t, Options{AttentionF32: true})
	tensortest.Run(t, b, tensortest.F32)
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}
