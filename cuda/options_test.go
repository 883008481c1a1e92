package cuda

import (
	"fmt"
	"strings"
	"testing"

	"embrec/tensor"
)

// TestGEMMVariantOption: Options.GEMMVariant selects a BF16 GEMM variant
// or per-product mode, and an unknown name is refused when the backend
// starts; SetGEMMVariant changes it later, refusing the same names.
func TestGEMMVariantOption(t *testing.T) {
	if _, err := newBackend(newFake(t, 64<<20), Options{GEMMVariant: "nope"}); err == nil {
		t.Errorf("unknown variant accepted")
	}
	for _, v := range []string{"v1", "auto", "auto-tma", "auto-k", "auto-tma-k"} {
		b, err := newBackend(newFake(t, 64<<20), Options{GEMMVariant: v})
		if err != nil || b.GEMMVariant() != v {
			t.Errorf("%s: err %v", v, err)
			continue
		}
		if err := b.SetGEMMVariant("nope"); err == nil || b.GEMMVariant() != v {
			t.Errorf("%s: SetGEMMVariant(nope): err %v, variant %s", v, err, b.GEMMVariant())
		}
		if err := b.SetGEMMVariant(""); err != nil || b.GEMMVariant() != "auto-tma-k" {
			t.Errorf("%s: SetGEMMVariant(\"\"): err %v, variant %s, want the default", v, err, b.GEMMVariant())
		}
	}
}

// TestGEMMDefaultByDevice: with no variant named, products run on
// "auto-tma-k" (v3g, v3h or v3l, the TMA GEMMs, per product) on compute
// capability 9.0, on "auto" (v3a or v3b) where the TMA module is not
// loaded, and on v2a where the sm_90a wgmma module is not (an older
// device, or a driver that refused it).
func TestGEMMDefaultByDevice(t *testing.T) {
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
// kernels are not looked up, Options.GEMMVariant v3a is refused, and a
// product asked of a v3 variant there panics with a message naming it;
// the other variants still run. On a 9.0 device whose driver refuses the
// sm_90a module the backend starts without it and says why.
func TestWGMMAOnlyOnHopper(t *testing.T) {
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
	if _, err := newBackend(ampere(), Options{GEMMVariant: "v3a"}); err == nil || !strings.Contains(err.Error(), "compute capability 8.0") {
		t.Errorf("v3a on sm_80: err %v", err)
	}
	refused := newFake(t, 64<<20) // an H100 whose driver refuses the sm_90a module
	refused.refuse = "gemm_wgmma"
	noTMA := newFake(t, 64<<20)
	noTMA.refuse = "gemm_tma"
	if _, err := newBackend(refused, Options{GEMMVariant: "v3a"}); err == nil || !strings.Contains(err.Error(), "JIT refused") {
		t.Errorf("v3a with the module refused: err %v", err)
	}
	if b, err := newBackend(newFake(t, 64<<20), Options{GEMMVariant: "v3a"}); err != nil || b.GEMMVariant() != "v3a" {
		t.Errorf("v3a on sm_90: err %v", err)
	}
	b, err := newBackend(ampere(), Options{GEMMVariant: "v2a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.RunnableGEMMVariants(), " "); got != "v1 v2a" {
		t.Errorf("runnable on sm_80: %s", got)
	}
	refused = newFake(t, 64<<20)
	refused.refuse = "gemm_wgmma"
	h, err := newBackend(refused, Options{})
	if err != nil || !strings.Contains(fmt.Sprint(h.Skipped()["gemm_wgmma"]), "JIT refused") ||
		strings.Join(h.RunnableGEMMVariants(), " ") != "v1 v2a" {
		t.Errorf("module refused: err %v, skipped %v, runnable %v", err, h.Skipped(), h.RunnableGEMMVariants())
	}
	refused = newFake(t, 64<<20)
	refused.refuse = "gemm_tma" // alone: the other wgmma variants still run
	h, err = newBackend(refused, Options{})
	if err != nil || !strings.Contains(fmt.Sprint(h.Skipped()["gemm_tma"]), "JIT refused") ||
		strings.Join(h.RunnableGEMMVariants(), " ") != "v1 v2a v3a v3b v3k" {
		t.Errorf("TMA module refused: err %v, skipped %v, runnable %v", err, h.Skipped(), h.RunnableGEMMVariants())
	}
	x, w, y := b.New(tensor.F32, 4, 8), b.New(tensor.BF16, 16, 8), b.New(tensor.F32, 4, 16)
	b.MatMul(y, x, w, false, true, 0)
	b.gemmVariant = "v3b" // past SetGEMMVariant's check
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "v3b (module gemm_wgmma) does not run") {
			t.Errorf("v3b on sm_80: %v", r)
		}
	}()
	b.MatMul(y, x, w, false, true, 0)
}

// TestThinLoadsDefault: the thin products prefetch (since run 12), with
// float4 loads where the operand allows.
func TestThinLoadsDefault(t *testing.T) {
	b, err := newBackend(newFake(t, 64<<20), Options{})
	if err != nil || !b.thinPrefetch || b.thinScalar || b.unfusedDrop {
		t.Errorf("err %v, prefetch %v, scalar %v, unfused dropout %v", err, b != nil && b.thinPrefetch,
			b != nil && b.thinScalar, b != nil && b.unfusedDrop)
	}
}
