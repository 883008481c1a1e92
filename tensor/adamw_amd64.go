//go:build amd64 && !purego

// AdamW on amd64: the AVX2 kernel for the body where the CPU has AVX2,
// the scalar loop for the tail and elsewhere.

package tensor

//go:noescape
func adamwAVX2(p, grad, m, v *float32, n int, c *adamwConsts)

func adamwSlice(p, g, m, v []float32, c *adamwConsts) {
	n := 0
	if isa >= isaAVX2 {
		n = len(p) &^ 7
		if n > 0 {
			adamwAVX2(&p[0], &g[0], &m[0], &v[0], n, c)
		}
	}
	adamwGo(p[n:], g[n:], m[n:], v[n:], c)
}
