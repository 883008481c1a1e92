//go:build amd64 && !purego

package tensor

import (
	"embrec/internal/vec"

	"golang.org/x/sys/cpu"
)

// supportedISAs lists the levels this CPU runs, widest first. AVX-512 means
// AVX512F with AVX512DQ (dropout's VPMULLQ); AVX2 means AVX2 with FMA, as
// internal/vec requires.
func supportedISAs() []vecISA {
	var l []vecISA
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ {
		l = append(l, isaAVX512)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		l = append(l, isaAVX2)
	}
	return append(l, isaGo)
}

// setISA sets the level here and in internal/vec, whose kernels stop at
// AVX2.
func setISA(i vecISA) {
	isa = i
	vec.HasAVX2 = i >= isaAVX2
}
