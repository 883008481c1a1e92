//go:build amd64 && !purego

// Dropout on amd64: the splitmix64 draw of 16 elements at a time in
// AVX-512 (VPMULLQ needs AVX512DQ), 8 at a time in AVX2 (the 64-bit
// multiplies built from VPMULUDQ), the scalar loop for the tail and
// elsewhere. Every kernel gives dropoutGo's bits.

package tensor

import (
	"embrec/internal/vec"

	"golang.org/x/sys/cpu"
)

var hasDropoutAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

// The kernels are in dropout_amd64.s; n is a multiple of 16 (AVX-512) or
// 8 (AVX2).
//
//go:noescape
func dropoutAVX512(o, m, x *float32, n int, c *dropoutConsts)

//go:noescape
func dropoutAVX2(o, m, x *float32, n int, c *dropoutConsts)

// dropoutSlice is dropoutGo with the widest kernel the CPU has.
func dropoutSlice(o, m, x []float32, seed uint64, start int, p float32) {
	switch {
	case hasDropoutAVX512:
		dropoutWith("avx512", o, m, x, seed, start, p)
	case vec.HasAVX2:
		dropoutWith("avx2", o, m, x, seed, start, p)
	default:
		dropoutGo(o, m, x, seed, start, p)
	}
}

// dropoutKernels names the dropout kernels this CPU can run.
func dropoutKernels() []string {
	ks := []string{"go"}
	if vec.HasAVX2 {
		ks = append(ks, "avx2")
	}
	if hasDropoutAVX512 {
		ks = append(ks, "avx512")
	}
	return ks
}

// dropoutWith runs the named kernel on the body of o and dropoutGo on
// its tail.
func dropoutWith(kernel string, o, m, x []float32, seed uint64, start int, p float32) {
	m, x = m[:len(o)], x[:len(o)]
	n := 0
	switch kernel {
	case "avx512":
		n = len(o) &^ 15
		if n > 0 {
			c := newDropoutConsts(seed, start, p)
			dropoutAVX512(&o[0], &m[0], &x[0], n, &c)
		}
	case "avx2":
		n = len(o) &^ 7
		if n > 0 {
			c := newDropoutConsts(seed, start, p)
			dropoutAVX2(&o[0], &m[0], &x[0], n, &c)
		}
	}
	dropoutGo(o[n:], m[n:], x[n:], seed, start+n, p)
}
