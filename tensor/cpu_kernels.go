// Which CPU kernels run: the SGEMM micro-kernel and the BF16 product's
// kernel, chosen at start from the CPU's features, named for `embrec
// info`, and switchable so tests can run every path this CPU has.

package tensor

import (
	"fmt"

	"embrec/internal/vec"
	"embrec/tensor/internal/gemm"
)

// CPUKernels names the SGEMM micro-kernels and the BF16 product kernels
// this CPU and build can run, the default (fastest) first in each:
// "avx512-12x32", "avx2-6x16", "generic4x4"; "avx512bf16-12x32"
// (VDPBF16PS), then "f32-<sgemm kernel>" (operands rounded to BF16, then
// the float32 kernel).
func CPUKernels() (sgemm, bf16 []string) {
	return gemm.Kernels(), gemm.BF16Kernels()
}

// SetCPUKernels makes every CPU backend use the named kernels ("" keeps
// the default). It is process-wide, for tests and benchmarks that compare
// paths; call it while no product runs.
func SetCPUKernels(sgemm, bf16 string) error {
	if err := gemm.SetKernel(sgemm); err != nil {
		return err
	}
	return gemm.SetBF16Kernel(bf16)
}

// Kernels names the kernels the CPU backend's products use.
func (c *CPU) Kernels() string {
	return fmt.Sprintf("sgemm %s, bf16 %s, vec %s", gemm.Kernel(), gemm.BF16Kernel(), vecKernel())
}

// FrozenDType implements FrozenDTyper: F32. The CPU multiplies BF16
// weights too (MatMul's BF16 product: VDPBF16PS where the CPU has
// AVX512_BF16), but rounding a frozen backbone is left to the caller
// (`embrec bench train -weights bf16`), so CPU training keeps float32
// weights unless asked.
func (c *CPU) FrozenDType() DType { return F32 }

// vecKernel names internal/vec's dot and axpy kernels.
func vecKernel() string {
	if vec.HasAVX2 {
		return "avx2"
	}
	return "generic"
}
