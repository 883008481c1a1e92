//go:build amd64 && !purego

// Dropout on amd64: the splitmix64 draw of 16 elements at a time in
// AVX-512 (VPMULLQ needs AVX512DQ), 8 at a time in AVX2 (the 64-bit
// multiplies built from VPMULUDQ), the scalar loop for the tail and
// elsewhere. Every kernel gives dropoutGo's bits.

package tensor

// The kernels are in dropout_amd64.s; n is a multiple of 16 (AVX-512) or
// 8 (AVX2).
//
//go:noescape
func dropoutAVX512(o, m, x *float32, n int, c *dropoutConsts)

//go:noescape
func dropoutAVX2(o, m, x *float32, n int, c *dropoutConsts)

// dropoutWith runs level k's kernel on the body of o and dropoutGo on its
// tail.
func dropoutWith(k vecISA, o, m, x []float32, seed uint64, start int, p float32) {
	m, x = m[:len(o)], x[:len(o)]
	n := 0
	switch k {
	case isaAVX512:
		n = len(o) &^ 15
	case isaAVX2:
		n = len(o) &^ 7
	}
	if n > 0 {
		c := newDropoutConsts(seed, start, p)
		if k == isaAVX512 {
			dropoutAVX512(&o[0], &m[0], &x[0], n, &c)
		} else {
			dropoutAVX2(&o[0], &m[0], &x[0], n, &c)
		}
	}
	dropoutGo(o[n:], m[n:], x[n:], seed, start+n, p)
}
