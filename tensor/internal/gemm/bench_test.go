// Benchmarks: square problems and the transformer shapes, in the layouts
// the model uses, reported in GFLOP/s (2*m*n*k flops per call).
//
//	go test -run '^$' -bench 'Sgemm/NN/1024' ./tensor/internal/gemm

package gemm

import (
	"fmt"
	"testing"
)

type benchShape struct {
	layout  string // NN, NT (y = x W^T), TN (dW = dY^T X)
	m, n, k int
}

func benchShapes() []benchShape {
	var s []benchShape
	for _, n := range []int{256, 512, 1024, 2048} {
		s = append(s, benchShape{"NN", n, n, n})
	}
	for _, lay := range []string{"NT", "TN"} {
		for _, kn := range []int{256, 3200} {
			s = append(s, benchShape{lay, 2048, kn, kn})
		}
		s = append(s, benchShape{lay, 2048, 8640, 3200}, benchShape{lay, 2048, 3200, 8640})
	}
	return s
}

func BenchmarkSgemm(b *testing.B) {
	for _, sh := range benchShapes() {
		b.Run(fmt.Sprintf("%s/%dx%dx%d", sh.layout, sh.m, sh.n, sh.k), func(b *testing.B) {
			benchSgemm(b, sh)
		})
	}
}

// BenchmarkSgemmGeneric times the pure-Go path on a mid-size problem.
func BenchmarkSgemmGeneric(b *testing.B) {
	old := setConfig(genericConfig)
	defer setConfig(old)
	benchSgemm(b, benchShape{"NN", 512, 512, 512})
}

func benchSgemm(b *testing.B, sh benchShape) {
	ta, tb := sh.layout[0] == 'T', sh.layout[1] == 'T'
	ar, ac := sh.m, sh.k
	if ta {
		ar, ac = sh.k, sh.m
	}
	br, bc := sh.k, sh.n
	if tb {
		br, bc = sh.n, sh.k
	}
	a := make([]float32, ar*ac)
	bm := make([]float32, br*bc)
	c := make([]float32, sh.m*sh.n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range bm {
		bm[i] = float32(i%5) - 2
	}
	call := func() { Sgemm(ta, tb, sh.m, sh.n, sh.k, 1, a, ac, bm, bc, 0, c, sh.n) }
	call() // warm-up: buffers, page faults
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		call()
	}
	flops := 2 * float64(sh.m) * float64(sh.n) * float64(sh.k)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
