// vec.go: the dense float32 vector kernels of the solvers (the K×K
// matrix-vector product and the fused per-entry update; dot product and
// axpy come from internal/vec) in portable Go, unrolled by 4
// with independent accumulators. These are the hot loops of the CG path;
// vec_amd64.go replaces them with AVX2/FMA assembly where the CPU has it.

package wals

import "embrec/internal/vec"

// symv sets out = G·v for a K×K row-major matrix G.
func symvGo(out, g, v []float32) {
	k := len(v)
	for a := range out[:k] {
		out[a] = vec.DotGo(g[a*k:a*k+k], v)
	}
}

// gemvTGo sets out[j] = Σ_a v[a]·m[a*stride+j] for j < len(out), a < len(v).
func gemvTGo(out, m, v []float32, stride int) {
	clear(out)
	for a, va := range v {
		vec.AxpyGo(va, m[a*stride:a*stride+len(out)], out)
	}
}

// accumGo sets out += Σ_j (c0[j] + c1[j]·(y_j·v))·y_j over the rows y_j =
// y[cols[j]*K:] (K = len(v)).
func accumGo(out, v, y []float32, cols []int32, c0, c1 []float32) {
	k := len(v)
	for j, c := range cols {
		yj := y[int(c)*k : int(c)*k+k]
		vec.AxpyGo(c0[j]+c1[j]*vec.DotGo(yj, v), yj, out)
	}
}
