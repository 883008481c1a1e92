// vec.go: the dense float32 vector kernels of the solvers (dot product,
// axpy, and the K×K matrix-vector product) in portable Go, unrolled by 4
// with independent accumulators. These are the hot loops of the CG path;
// vec_amd64.go replaces them with AVX2/FMA assembly where the CPU has it.

package wals

// dot returns Σ a[i]*b[i] over len(a) elements (b must be at least as long).
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy sets y[i] += alpha*x[i] over len(x) elements.
func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// symv sets out = G·v for a K×K row-major matrix G.
func symvGo(out, g, v []float32) {
	k := len(v)
	for a := range out[:k] {
		out[a] = dotGo(g[a*k:a*k+k], v)
	}
}

// gemvTGo sets out[j] = Σ_a v[a]·m[a*stride+j] for j < len(out), a < len(v).
func gemvTGo(out, m, v []float32, stride int) {
	clear(out)
	for a, va := range v {
		axpyGo(va, m[a*stride:a*stride+len(out)], out)
	}
}

// accumGo sets out += Σ_j (c0[j] + c1[j]·(y_j·v))·y_j over the rows y_j =
// y[cols[j]*K:] (K = len(v)).
func accumGo(out, v, y []float32, cols []int32, c0, c1 []float32) {
	k := len(v)
	for j, c := range cols {
		yj := y[int(c)*k : int(c)*k+k]
		axpyGo(c0[j]+c1[j]*dotGo(yj, v), yj, out)
	}
}
