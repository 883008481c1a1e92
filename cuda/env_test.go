package cuda

import "testing"

// TestGEMMVariantFromEnv: EMBREC_CUDA_GEMM selects a BF16 GEMM variant and
// an unknown name is refused when the backend starts.
func TestGEMMVariantFromEnv(t *testing.T) {
	old := GEMMBF16Variant
	defer func() { GEMMBF16Variant = old }()
	t.Setenv("EMBREC_CUDA_GEMM", "nope")
	if _, err := newBackend(newFake(t, 64<<20), Options{}); err == nil {
		t.Errorf("unknown variant accepted")
	}
	t.Setenv("EMBREC_CUDA_GEMM", "v1")
	if _, err := newBackend(newFake(t, 64<<20), Options{}); err != nil || GEMMBF16Variant != "v1" {
		t.Errorf("v1: err %v, variant %q", err, GEMMBF16Variant)
	}
}
