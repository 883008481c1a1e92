//go:build amd64 && !purego

// Kernel selection on amd64: the AVX-512 12x32 micro-kernel where the CPU
// (and OS) support AVX512F, else the AVX2/FMA 6x16 one, else pure Go.

package gemm

import "golang.org/x/sys/cpu"

// hasAVX2FMA reports whether the AVX2 micro-kernel can run.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasAVX512 reports whether the AVX-512 micro-kernel can run (x/sys/cpu
// also checks that the OS saves the ZMM and mask registers).
var hasAVX512 = cpu.X86.HasAVX512F

// asmConfig is the AVX2 configuration; see doc.go for the block sizes.
var asmConfig = config{
	name: "avx2-6x16", mr: 6, nr: 16, kernel: kernelAVX2,
	mc: 144, kc: 256, nc: 4080,
}

// avx512Config is the AVX-512 configuration; see doc.go for the block sizes.
var avx512Config = config{
	name: "avx512-12x32", mr: 12, nr: 32, kernel: kernelAVX512,
	mc: 240, kc: 256, nc: 4096,
}

// configs lists the configurations this CPU can run, fastest first.
func configs() []config {
	var cs []config
	if hasAVX512 {
		cs = append(cs, avx512Config)
	}
	if hasAVX2FMA {
		cs = append(cs, asmConfig)
	}
	return append(cs, genericConfig)
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

// kernel12x32 is implemented in kernel512_amd64.s: the microKernel
// contract with mr = 12, nr = 32.
//
//go:noescape
func kernel12x32(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// kernelAVX512 checks the bounds once and calls the assembly.
func kernelAVX512(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[12*kc-1]
	_ = b[32*kc-1]
	_ = c[11*ldc+31]
	kernel12x32(kc, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// transpose16 is in pack_amd64.s: dst[p*ldd+j] = src[j*ldb+p] for j < 16,
// p < 8*blocks (AVX); ldd is 16 or 32.
//
//go:noescape
func transpose16(dst, src *float32, ldb, blocks, ldd int)

// packBT16 packs 16 columns of a transposed B into a micro-panel of width
// ldd (16, or 32 for half of an AVX-512 panel): d[p*ldd+j] = src[j*ldb+p]
// for j < 16, p < kc.
func packBT16(d, src []float32, ldb, kc, ldd int) {
	d = d[:ldd*(kc-1)+16]
	_ = src[15*ldb+kc-1]
	blocks := kc / 8
	if blocks > 0 {
		transpose16(&d[0], &src[0], ldb, blocks, ldd)
	}
	for j := 0; j < 16; j++ {
		row := src[j*ldb : j*ldb+kc]
		for p := 8 * blocks; p < kc; p++ {
			d[p*ldd+j] = row[p]
		}
	}
}
