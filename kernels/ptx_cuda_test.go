//go:build cuda

package kernels

import "testing"

// TestEmbeddedPTX: a -tags cuda build embeds every module's PTX as
// committed, NUL-terminated.
func TestEmbeddedPTX(t *testing.T) {
	for _, mod := range Modules() {
		src, err := PTX(mod)
		if err != nil {
			t.Fatal(err)
		}
		if src != readPTX(t, mod)+"\x00" {
			t.Errorf("%s: embedded PTX differs from %s.ptx", mod, mod)
		}
	}
}
