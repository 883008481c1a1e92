// The passes that write a BF16 copy of their output (RMSNormForwardCopy,
// RMSNormBackwardAdd, RoPEBackwardCopy, AttentionForwardCopy) against
// Options.UnfusedCopies,
// which runs each as its op followed by the addition or conversion: the
// same bits, and only the fused form launches the fused kernels.

package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
)

func TestUnfusedCopies(t *testing.T) {
	const N, C, HS = 37, 80, 16
	rng := rand.New(rand.NewPCG(7, 8))
	vals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	x, w, d, res := vals(N*C), vals(C), vals(N*C), vals(N*C)
	pos := make([]int32, N)
	for i := range pos {
		pos[i] = int32(i % 11)
	}
	fused := []string{"rmsnorm_forward_copy_f32", "rmsnorm_backward_add_f32", "rope_copy_f32", "unpack_heads_f32_copy"}
	run := func(unfused bool) ([][]float32, int) {
		b := newTestBackendOpts(t, Options{Profile: true, UnfusedCopies: unfused})
		up := func(v []float32, shape ...int) *tensor.Tensor {
			tt := b.New(tensor.F32, shape...)
			b.Upload(tt, v)
			return tt
		}
		X, W, D, R := up(x, N, C), up(w, C), up(d, N, C), up(res, N, C)
		out, rstd, outB := b.New(tensor.F32, N, C), b.New(tensor.F32, N), b.New(tensor.BF16, N, C)
		tensor.Copies(b).RMSNormForwardCopy(out, outB, rstd, X, W, 1e-5)
		dW, resB := b.New(tensor.F32, C), b.New(tensor.BF16, N, C)
		tensor.Copies(b).RMSNormBackwardAdd(b.New(tensor.F32, N, C), R, resB, dW, D, X, W, rstd)
		cos, sin := tensor.RoPETable(b, 16, HS, 10000)
		rot, rotB := b.New(tensor.F32, N, C), b.New(tensor.BF16, N, C)
		tensor.Copies(b).RoPEBackwardCopy(rot, rotB, D, cos, sin, pos, false)
		// attention over (1, N, C): C/HS heads, enough rows for the tensor cores
		att, attB, probs := b.New(tensor.F32, 1, N, C), b.New(tensor.BF16, 1, N, C), b.New(tensor.F32, 1, C/HS, N, N)
		tensor.Copies(b).AttentionForwardCopy(att, attB, probs, X.Reshape(1, N, C), D.Reshape(1, N, C), R.Reshape(1, N, C),
			nil, C/HS, C/HS)
		var got [][]float32
		for _, tt := range []*tensor.Tensor{out, outB, rstd, R, resB, dW, rot, rotB, att, attB} {
			h := make([]float32, tt.Len())
			b.Download(h, tt)
			got = append(got, h)
		}
		n := 0
		for _, k := range fused {
			n += launchesOf(b, k)
		}
		return got, n
	}
	want, nf := run(false)
	got, nu := run(true)
	if nf != 4 || nu != 0 {
		t.Errorf("fused kernels launched %d times fused, %d unfused: want 4 and 0", nf, nu)
	}
	for i := range want {
		for j := range want[i] {
			if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
				t.Fatalf("output %d element %d: %v unfused, %v fused", i, j, got[i][j], want[i][j])
			}
		}
	}
}
