//go:build !amd64 || purego

// Kernel selection without assembly: always the pure-Go micro-kernel.

package gemm

// hasAVX2FMA reports whether the assembly micro-kernel can run; never here.
const hasAVX2FMA = false

func defaultConfig() config { return genericConfig }

// asmConfig is the assembly configuration; without assembly it is the
// generic one, so tests that switch paths still run.
var asmConfig = genericConfig

// packBT16 packs one full 16-wide micro-panel of a transposed B: d[p*16+j]
// = src[j*ldb+p] for j < 16, p < kc. (Only the assembly configuration has
// nr = 16; this keeps pack.go portable.)
func packBT16(d, src []float32, ldb, kc int) {
	for j := 0; j < 16; j++ {
		row := src[j*ldb : j*ldb+kc]
		for p, v := range row {
			d[p*16+j] = v
		}
	}
}
