package cuda

import (
	"fmt"
	"strings"
	"testing"

	"embrec/tensor"
)

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
	for _, v := range []string{"auto-plan", "auto-tma", "auto-k", "auto-tma-k"} {
		t.Setenv("EMBREC_CUDA_GEMM", v)
		if _, err := newBackend(newFake(t, 64<<20), Options{}); err != nil || GEMMBF16Variant != v {
			t.Errorf("%s: err %v, variant %q", v, err, GEMMBF16Variant)
		}
	}
}

// TestGEMMDefaultByDevice: with no variant named, products run on
// "auto-tma-k" (v3g, v3h or v3l, the TMA GEMMs, per product) on compute
// capability 9.0, on "auto" (v3a or v3b) where the TMA module is not
// loaded, and on v2a where the sm_90a wgmma module is not (an older
// device, or a driver that refused it).
func TestGEMMDefaultByDevice(t *testing.T) {
	defer func(v string) { GEMMBF16Variant = v }(GEMMBF16Variant)
	GEMMBF16Variant = ""
	t.Setenv("EMBREC_CUDA_GEMM", "")
	ampere := newFake(t, 64<<20)
	ampere.cc = 80
	refused := newFake(t, 64<<20)
	refused.refuse = "gemm_wgmma"
	noTMA := newFake(t, 64<<20)
	noTMA.refuse = "gemm_tma"
	for _, c := range []struct {
		name string
		dev  *fakeDevice
		want string
	}{{"sm_90", newFake(t, 64<<20), "auto-tma-k"}, {"sm_90 TMA module refused", noTMA, "auto"},
		{"sm_80", ampere, "v2a"}, {"sm_90 module refused", refused, "v2a"}} {
		b, err := newBackend(c.dev, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := b.GEMMVariant(); got != c.want {
			t.Errorf("%s: default variant %s, want %s", c.name, got, c.want)
		}
		x, w, y := b.New(tensor.F32, 4, 8), b.New(tensor.BF16, 16, 8), b.New(tensor.F32, 4, 16)
		b.MatMul(y, x, w, false, true, 0)
		if err := b.Sync(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
}

// TestWGMMAOnlyOnHopper: on a compute-capability 8.0 device the sm_90a
// kernels are not looked up, EMBREC_CUDA_GEMM=v3a is refused, and a
// product asked of a v3 variant there panics with a message naming it;
// the other variants still run. On a 9.0 device whose driver refuses the
// sm_90a module the backend starts without it and says why.
func TestWGMMAOnlyOnHopper(t *testing.T) {
	old := GEMMBF16Variant
	defer func() { GEMMBF16Variant = old }()
	ampere := func() *fakeDevice {
		f := newFake(t, 64<<20)
		f.cc = 80
		for name := range f.handles {
			if strings.HasPrefix(name, "gemm_wgmma_") {
				delete(f.handles, name) // as the real device: the module is not loaded
			}
		}
		return f
	}
	t.Setenv("EMBREC_CUDA_GEMM", "v3a")
	if _, err := newBackend(ampere(), Options{}); err == nil || !strings.Contains(err.Error(), "compute capability 8.0") {
		t.Errorf("v3a on sm_80: err %v", err)
	}
	refused := newFake(t, 64<<20) // an H100 whose driver refuses the sm_90a module
	refused.refuse = "gemm_wgmma"
	noTMA := newFake(t, 64<<20)
	noTMA.refuse = "gemm_tma"
	if _, err := newBackend(refused, Options{}); err == nil || !strings.Contains(err.Error(), "JIT refused") {
		t.Errorf("v3a with the module refused: err %v", err)
	}
	if _, err := newBackend(newFake(t, 64<<20), Options{}); err != nil || GEMMBF16Variant != "v3a" {
		t.Errorf("v3a on sm_90: err %v, variant %q", err, GEMMBF16Variant)
	}
	t.Setenv("EMBREC_CUDA_GEMM", "v2a")
	b, err := newBackend(ampere(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.RunnableGEMMVariants(), " "); got != "v1 v2a v2b v2c v2d" {
		t.Errorf("runnable on sm_80: %s", got)
	}
	refused = newFake(t, 64<<20)
	refused.refuse = "gemm_wgmma"
	h, err := newBackend(refused, Options{})
	if err != nil || !strings.Contains(fmt.Sprint(h.Skipped()["gemm_wgmma"]), "JIT refused") ||
		strings.Join(h.RunnableGEMMVariants(), " ") != "v1 v2a v2b v2c v2d" {
		t.Errorf("module refused: err %v, skipped %v, runnable %v", err, h.Skipped(), h.RunnableGEMMVariants())
	}
	refused = newFake(t, 64<<20)
	refused.refuse = "gemm_tma" // alone: the other wgmma variants still run
	h, err = newBackend(refused, Options{})
	if err != nil || !strings.Contains(fmt.Sprint(h.Skipped()["gemm_tma"]), "JIT refused") ||
		strings.Join(h.RunnableGEMMVariants(), " ") != "v1 v2a v2b v2c v2d v3a v3b v3c v3d v3e v3f v3k" {
		t.Errorf("TMA module refused: err %v, skipped %v, runnable %v", err, h.Skipped(), h.RunnableGEMMVariants())
	}
	x, w, y := b.New(tensor.F32, 4, 8), b.New(tensor.BF16, 16, 8), b.New(tensor.F32, 4, 16)
	b.MatMul(y, x, w, false, true, 0)
	GEMMBF16Variant = "v3b"
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "v3b (module gemm_wgmma) does not run") {
			t.Errorf("v3b on sm_80: %v", r)
		}
	}()
	b.MatMul(y, x, w, false, true, 0)
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

// TestThinLoadsFromEnv: the thin products prefetch by default (since run
// 12), Options.ThinNoPrefetch or EMBREC_CUDA_THIN_LOADS=float4 turns it off,
// scalar and prefetch are the other two ways, and an unknown value is
// refused.
func TestThinLoadsFromEnv(t *testing.T) {
	for _, c := range []struct {
		env                    string
		noPrefetch, scalarOpt  bool
		prefetch, scalar, isOK bool
	}{
		{"", false, false, true, false, true},
		{"", true, false, false, false, true},
		{"", false, true, true, true, true}, // scalar loads rule out the float4 kernels, prefetching or not
		{"float4", false, false, false, false, true},
		{"prefetch", true, false, true, false, true},
		{"scalar", false, false, false, true, true},
		{"float8", false, false, false, false, false},
	} {
		t.Setenv("EMBREC_CUDA_THIN_LOADS", c.env)
		b, err := newBackend(newFake(t, 64<<20), Options{ThinNoPrefetch: c.noPrefetch, ScalarThin: c.scalarOpt})
		if (err == nil) != c.isOK || (err == nil && (b.thinPrefetch != c.prefetch || b.thinScalar != c.scalar)) {
			t.Errorf("EMBREC_CUDA_THIN_LOADS=%q, ThinNoPrefetch %v, ScalarThin %v: err %v, prefetch %v, scalar %v",
				c.env, c.noPrefetch, c.scalarOpt, err, b != nil && b.thinPrefetch, b != nil && b.thinScalar)
		}
	}
}
