//go:build !amd64 || purego

// Kernel selection without assembly: always the pure-Go micro-kernel.

package gemm

// hasAVX2FMA reports whether the assembly micro-kernel can run; never here.
const hasAVX2FMA = false

func defaultConfig() config { return genericConfig }

// asmConfig is the assembly configuration; without assembly it is the
// generic one, so tests that switch paths still run.
var asmConfig = genericConfig
