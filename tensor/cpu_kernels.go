// Which CPU kernels run: the SGEMM micro-kernel and the BF16 product's
// kernel, chosen at start from the CPU's features, named for `embrec
// info`, and switchable so tests can run every path this CPU has.

package tensor

import (
	"fmt"

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

// VectorLevels names the instruction sets the elementwise kernels (dropout,
// the slice exp, dots, sums and the like) can use on this CPU, widest (the
// default) first: "avx512", "avx2", "go".
func VectorLevels() []string { return vectorLevels() }

// SetVectorLevel caps the elementwise kernels at level ("" restores the
// widest). Like SetCPUKernels it is process-wide, for tests and benchmarks
// that compare paths (an AVX2-only machine's, say); call it while no op
// runs. Every level gives the same bits except float64 sums, whose order
// follows the vector width.
func SetVectorLevel(level string) error { return setVectorLevel(level) }

// Kernels names the kernels the CPU backend's products use.
func (c *CPU) Kernels() string {
	return fmt.Sprintf("sgemm %s, bf16 %s, vec %s", gemm.Kernel(), gemm.BF16Kernel(), vectorLevel())
}

// FrozenDType implements FrozenDTyper: F32. The CPU multiplies BF16
// weights too (MatMul's BF16 product: VDPBF16PS where the CPU has
// AVX512_BF16), but rounding a frozen backbone is left to the caller
// (`embrec bench train -weights bf16`), so CPU training keeps float32
// weights unless asked.
func (c *CPU) FrozenDType() DType { return F32 }
