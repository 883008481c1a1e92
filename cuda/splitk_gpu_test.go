package cuda

import "testing"

// TestMatMulSplitKGPU: the split-K shapes of splitk_test.go on the device,
// against float64. Tolerance: gemm_f32 accumulates each chunk in FMA (at
// most kc*u of the absolute terms) and the sum adds S more roundings; for
// K <= 2000 the bound is about 2000 * 6e-8 = 1.2e-4 of the sum of |terms|.
func TestMatMulSplitKGPU(t *testing.T) {
	checkSplitK(t, newTestBackend(t), 1.2e-4)
}
