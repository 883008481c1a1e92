//go:build amd64 && !purego

// The instruction-set level of the elementwise kernels on amd64 (dropout,
// the slice exp, and internal/vec's dot, axpy, max and sums): the widest
// the CPU has unless capped, so tests and benchmarks can run each path.

package tensor

import (
	"fmt"
	"slices"

	"embrec/internal/vec"

	"golang.org/x/sys/cpu"
)

var (
	cpuAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	cpuAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
)

func vectorLevels() []string {
	ls := []string{}
	if cpuAVX512 {
		ls = append(ls, "avx512")
	}
	if cpuAVX2 {
		ls = append(ls, "avx2")
	}
	return append(ls, "go")
}

func setVectorLevel(level string) error {
	if level == "" {
		level = vectorLevels()[0]
	}
	if !slices.Contains(vectorLevels(), level) {
		return fmt.Errorf("tensor: vector level %q: this CPU runs %v", level, vectorLevels())
	}
	hasDropoutAVX512 = level == "avx512"
	hasExpAVX512 = level == "avx512" && cpu.X86.HasAVX512F
	vec.HasAVX2 = level != "go"
	return nil
}

func vectorLevel() string {
	switch {
	case hasDropoutAVX512 || hasExpAVX512:
		return "avx512"
	case vec.HasAVX2:
		return "avx2"
	}
	return "go"
}
