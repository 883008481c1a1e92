// vec_amd64.go: dispatch of the vector kernels to AVX2/FMA assembly
// (vec_amd64.s) when the CPU and OS support it (golang.org/x/sys/cpu), to
// portable Go otherwise. The assembly handles lengths that are multiples of
// 8; tails run in Go.

//go:build amd64

package wals

import (
	"embrec/internal/vec"

	"golang.org/x/sys/cpu"
)

//go:noescape
func gemvTAVX2(out, gm, v *float32, rows, cols, stride int)

//go:noescape
func accumAVX2(out, v, y *float32, cols *int32, c0, c1 *float32, n, k int)

// useAVX2 selects the assembly kernels: AVX2 and FMA, with the OS saving
// the YMM state (golang.org/x/sys/cpu checks that for AVX).
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// KernelName says which vector kernels are in use.
func KernelName() string {
	if useAVX2 {
		return "avx2+fma"
	}
	return "go"
}

func dot(a, b []float32) float32         { return vec.Dot(a, b) }
func axpy(alpha float32, x, y []float32) { vec.Axpy(alpha, x, y) }

// symv sets out = G·v for a symmetric K×K row-major G.
func symv(out, g, v []float32) {
	k := len(v)
	if !useAVX2 || k%8 != 0 {
		symvGo(out, g, v)
		return
	}
	_ = g[k*k-1]
	_ = out[k-1]
	gemvTAVX2(&out[0], &g[0], &v[0], k, k, k)
}

// gemvT sets out[j] = Σ_a v[a]·m[a*stride+j] for j < len(out), a < len(v).
func gemvT(out, m, v []float32, stride int) {
	rows, cols := len(v), len(out)
	if rows > 0 {
		_ = m[(rows-1)*stride+cols-1]
	}
	main := 0
	if useAVX2 && rows > 0 {
		main = cols &^ 7
		if main > 0 {
			gemvTAVX2(&out[0], &m[0], &v[0], rows, main, stride)
		}
	}
	if main < cols {
		gemvTGo(out[main:], m[main:], v, stride)
	}
}

// accum sets out += Σ_j (c0[j] + c1[j]·(y_j·v))·y_j over the rows y_j =
// y[cols[j]*K:] (K = len(v)).
func accum(out, v, y []float32, cols []int32, c0, c1 []float32) {
	k, n := len(v), len(cols)
	if !useAVX2 || k%8 != 0 || n == 0 {
		accumGo(out, v, y, cols, c0, c1)
		return
	}
	_, _, _ = out[k-1], c0[n-1], c1[n-1]
	for _, c := range cols { // the assembly does not bounds-check
		if int(c) < 0 || (int(c)+1)*k > len(y) {
			panic("wals: accum column out of range")
		}
	}
	accumAVX2(&out[0], &v[0], &y[0], &cols[0], &c0[0], &c1[0], n, k)
}
