//go:build !cuda

// The backend of the shared device tests (gemm_test.go, attention_gpu_test.go,
// splitk_gpu_test.go, llama_test.go) without the cuda tag: the kernels'
// source compiled for the CPU (host_test.go), so that CI runs them with no
// GPU. With the tag they run on the GPU (open_gpu_test.go).

package cuda

import "testing"

// newTestBackend opens the host-compiled kernels with the default options
// (tensor-core attention).
func newTestBackend(t testing.TB) *Backend {
	return newTestBackendOpts(t, Options{})
}

// newTestBackendOpts opens the host-compiled kernels with opts.
func newTestBackendOpts(t testing.TB, opts Options) *Backend {
	return newHostBackend(t, opts)
}
