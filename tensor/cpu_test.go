// The conformance suite on the CPU backend, on every SGEMM and BF16
// kernel and every elementwise vector level this CPU runs, and allocation
// checks of the hot ops.

package tensor_test

import (
	"testing"

	"embrec/tensor"
	"embrec/tensor/tensortest"
)

func TestConformanceCPU(t *testing.T) {
	sgemm, bf16 := tensor.CPUKernels()
	t.Cleanup(func() { tensor.SetCPUKernels("", "") })
	for i, k := range sgemm {
		if err := tensor.SetCPUKernels(k, ""); err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{1, 2} {
			if i > 0 && threads == 1 {
				continue // the other kernels: one thread count is enough
			}
			b := tensor.NewCPU(threads)
			t.Run(k+"/"+b.Name(), func(t *testing.T) { tensortest.Run(t, b, tensortest.F32) })
		}
	}
	tensor.SetCPUKernels("", "")
	for _, k := range bf16 {
		if err := tensor.SetCPUKernels("", k); err != nil {
			t.Fatal(err)
		}
		b := tensor.NewCPU(2)
		t.Run("MatMulBF16/"+k, func(t *testing.T) { tensortest.MatMulBF16(t, b, tensortest.F32) })
	}
	tensor.SetCPUKernels("", "")
	t.Cleanup(func() { tensor.SetVectorLevel("") })
	for _, l := range tensor.VectorLevels()[1:] { // the widest ran above
		if err := tensor.SetVectorLevel(l); err != nil {
			t.Fatal(err)
		}
		b := tensor.NewCPU(2)
		t.Run("vec-"+l+"/"+b.Name(), func(t *testing.T) { tensortest.Run(t, b, tensortest.F32) })
	}
	if err := tensor.SetVectorLevel("avx1024"); err == nil {
		t.Error("SetVectorLevel accepted an unknown level")
	}
}
