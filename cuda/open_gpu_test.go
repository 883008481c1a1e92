//go:build cuda

// The backend of the shared device tests (gemm_test.go, attention_gpu_test.go,
// splitk_gpu_test.go, llama_test.go) in the cuda-tagged test binary: the
// GPU. Without the tag they run on the host-compiled kernels
// (open_host_test.go).

package cuda

import "testing"

// newTestBackend opens the device with the default options (tensor-core
// attention).
func newTestBackend(t testing.TB) *Backend {
	return newTestBackendOpts(t, Options{})
}

// newTestBackendOpts opens the device with opts and a 2 GiB arena.
func newTestBackendOpts(t testing.TB, opts Options) *Backend {
	opts.ArenaBytes = 2 << 30
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}
