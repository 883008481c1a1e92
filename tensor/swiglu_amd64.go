//go:build amd64 && !purego

// SwiGLU's backward on amd64: the AVX2 kernel for the body of a block.

package tensor

// swigluBwdAVX2 is in swiglu_amd64.s; n is a multiple of 8.
//
//go:noescape
func swigluBwdAVX2(dg, du, dy, gate, up, e *float32, n int)

// swigluBackwardVector runs swigluBackwardGo's arithmetic on the first
// len(g)&^7 elements in AVX2 and returns how many it did (0 without AVX2).
func swigluBackwardVector(dg, du, d, g, u, e []float32) int {
	n := len(g) &^ 7
	if isa < isaAVX2 || n == 0 {
		return 0
	}
	swigluBwdAVX2(&dg[0], &du[0], &d[0], &g[0], &u[0], &e[0], n)
	return n
}
