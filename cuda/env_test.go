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

// TestAttentionF32FromEnv: EMBREC_CUDA_ATTENTION=f32 sets
// Options.AttentionF32, bf16 (or nothing) leaves Options alone, and an
// unknown value is refused.
func TestAttentionF32FromEnv(t *testing.T) {
	for _, c := range []struct {
		env      string
		opt      bool
		want, ok bool
	}{{"", false, false, true}, {"", true, true, true}, {"f32", false, true, true}, {"bf16", false, false, true},
		{"bf16", true, true, true}, {"tf32", false, false, false}} {
		t.Setenv("EMBREC_CUDA_ATTENTION", c.env)
		b, err := newBackend(newFake(t, 64<<20), Options{AttentionF32: c.opt})
		if (err == nil) != c.ok || (err == nil && b.attnF32 != c.want) {
			t.Errorf("EMBREC_CUDA_ATTENTION=%q, AttentionF32 %v: err %v, attnF32 %v", c.env, c.opt, err, b != nil && b.attnF32)
		}
	}
}
