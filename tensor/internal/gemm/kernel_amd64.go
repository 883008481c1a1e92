//go:build amd64 && !purego

// Kernel selection on amd64: the AVX2/FMA 6x16 assembly micro-kernel when
// the CPU (and OS) support it, else the pure-Go one.

package gemm

import "golang.org/x/sys/cpu"

// hasAVX2FMA reports whether the assembly micro-kernel can run.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// asmConfig is the AVX2 configuration; see doc.go for the block sizes.
var asmConfig = config{
	name: "avx2fma6x16", mr: 6, nr: 16, kernel: kernelAVX2,
	mc: 144, kc: 256, nc: 4080,
}

func defaultConfig() config {
	if hasAVX2FMA {
		return asmConfig
	}
	return genericConfig
}

// kernel6x16 is implemented in kernel_amd64.s: the microKernel contract
// with mr = 6, nr = 16 on raw pointers; ldc is in elements.
//
//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// kernelAVX2 checks the bounds once and calls the assembly.
func kernelAVX2(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[6*kc-1]
	_ = b[16*kc-1]
	_ = c[5*ldc+15]
	kernel6x16(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// transpose16 is in pack_amd64.s: dst[p*16+j] = src[j*ldb+p] for j < 16,
// p < 8*blocks (AVX).
//
//go:noescape
func transpose16(dst, src *float32, ldb, blocks int)

// packBT16 packs one full 16-wide micro-panel of a transposed B: d[p*16+j]
// = src[j*ldb+p] for j < 16, p < kc.
func packBT16(d, src []float32, ldb, kc int) {
	d = d[:16*kc]
	_ = src[15*ldb+kc-1]
	blocks := kc / 8
	if blocks > 0 {
		transpose16(&d[0], &src[0], ldb, blocks)
	}
	for j := 0; j < 16; j++ {
		row := src[j*ldb : j*ldb+kc]
		for p := 8 * blocks; p < kc; p++ {
			d[p*16+j] = row[p]
		}
	}
}
