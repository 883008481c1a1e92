// The thin float32 products' three ways of loading op(A), float4 chunks,
// float4 chunks with the next tile prefetched (the default, 8 or
// 16 columns), and one element at a time (Backend.thinScalar), give the
// same bits: every layout, the transposed-output path, split-K slices, a
// dropped-out operand, and shapes that rule the float4 path out (odd K or
// M).

package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
)

func TestThinLoads(t *testing.T) {
	vec, scalar := newTestBackend(t), newTestBackend(t)
	vec.thinPrefetch, scalar.thinScalar = false, true
	pf := newTestBackendOpts(t, Options{Profile: true})
	rng := rand.New(rand.NewPCG(41, 42))
	for _, c := range []struct {
		m, n, k      int
		transA, tran bool
		drop         bool
	}{
		{300, 8, 200, false, true, false},  // x A^T: thin N, float4 along K
		{300, 8, 200, false, true, true},   // the same through a dropout
		{8, 200, 300, true, false, false},  // dh^T x: thin M, C^T path, float4 along A's rows
		{8, 200, 300, true, false, true},   // dA through a dropout
		{200, 16, 300, true, false, false}, // dY^T h: transposed A, float4 along M
		{300, 12, 200, false, true, true},  // 12 columns: the prefetching kernel's 16-column form
		{301, 8, 203, false, true, false},  // odd sizes: the scalar loads in both
		{70, 4, 64, false, false, false},
		{40, 8, 0, false, true, false}, // K = 0: no slices; gemm_f32 writes beta * C
	} {
		ash, bsh := []int{c.m, c.k}, []int{c.k, c.n}
		if c.transA {
			ash = []int{c.k, c.m}
		}
		if c.tran {
			bsh = []int{c.n, c.k}
		}
		av, bv, ov := make([]float32, c.m*c.k), make([]float32, c.k*c.n), make([]float32, c.m*c.n)
		for _, v := range [][]float32{av, bv, ov} {
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
		}
		var got [3][]float32
		for i, be := range []*Backend{vec, scalar, pf} {
			A, B, C := be.New(tensor.F32, ash...), be.New(tensor.F32, bsh...), be.New(tensor.F32, c.m, c.n)
			be.Upload(A, av)
			be.Upload(B, bv)
			be.Upload(C, ov)
			if c.drop { // x A^T drops A's x; dh^T x (transposed A) drops B's x
				which := 0
				if c.transA {
					which = 1
				}
				be.MatMulDropIn(C, A, B, c.transA, c.tran, 1, which, 0.1, 5)
			} else {
				be.MatMul(C, A, B, c.transA, c.tran, 1)
			}
			got[i] = make([]float32, c.m*c.n)
			be.Download(got[i], C)
		}
		for i := range got[0] {
			if math.Float32bits(got[0][i]) != math.Float32bits(got[1][i]) {
				t.Fatalf("%+v: element %d is %v with float4 loads, %v with scalar ones", c, i, got[0][i], got[1][i])
			}
			if math.Float32bits(got[0][i]) != math.Float32bits(got[2][i]) {
				t.Fatalf("%+v: element %d is %v with float4 loads, %v prefetched", c, i, got[0][i], got[2][i])
			}
		}
	}
	for _, k := range []string{"gemm_f32_thin_pf", "gemm_f32_thin_pf8", "gemm_f32_thin_drop_pf", "gemm_f32_thin_drop_pf8"} {
		if launchesOf(pf, k) == 0 {
			t.Errorf("%s never ran", k)
		}
	}
}
