// Batch-invariant mode: each row of a product is the same bits whatever
// the number of rows beside it.

package tensor

import "testing"

func TestMatMulBatchInvariant(t *testing.T) {
	c := NewCPU(2)
	c.SetBatchInvariant(true)
	const M, K, N = 37, 70, 53
	a, w := c.New(F32, M, K), c.New(F32, N, K)
	av, wv := make([]float32, M*K), make([]float32, N*K)
	for i := range av {
		av[i] = float32((i*7919)%113)/57 - 1
	}
	for i := range wv {
		wv[i] = float32((i*104729)%97)/49 - 1
	}
	c.Upload(a, av)
	c.Upload(w, wv)
	all := c.New(F32, M, N)
	c.MatMul(all, a, w, false, true, 0)
	full := make([]float32, M*N)
	c.Download(full, all)
	for _, rows := range []int{1, 3, 10, 11} {
		for r0 := 0; r0+rows <= M; r0 += 13 {
			out := c.New(F32, rows, N)
			c.MatMul(out, a.View(r0*K, rows, K), w, false, true, 0)
			got := make([]float32, rows*N)
			c.Download(got, out)
			for i, v := range got {
				if v != full[r0*N+i] {
					t.Fatalf("%d rows from row %d: element %d is %v, %v in the %d-row product", rows, r0, i, v, full[r0*N+i], M)
				}
			}
		}
	}
}
