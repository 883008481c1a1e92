// MatMulSharedInput (the q/k/v and gate/up products of one input): the same
// bits as separate MatMuls, with one conversion of the input instead of
// one per product.

package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
)

func TestMatMulSharedInput(t *testing.T) {
	b := newTestBackend(t)
	rng := rand.New(rand.NewPCG(9, 10))
	const n, in = 70, 48
	outDims := []int{40, 24, 40}
	rnd := func(dt tensor.DType, shape ...int) *tensor.Tensor { return randn(b, rng, dt, shape...) }
	x := rnd(tensor.F32, n, in)
	var ws, fused, sep []*tensor.Tensor
	for _, o := range outDims {
		ws = append(ws, rnd(tensor.BF16, o, in))
		fused = append(fused, b.New(tensor.F32, n, o))
		sep = append(sep, b.New(tensor.F32, n, o))
	}
	tensor.SharedInputMatMul(b, fused, x, ws)
	for i, w := range ws {
		b.MatMul(sep[i], x, w, false, true, 0)
	}
	for i := range ws {
		got, want := make([]float32, fused[i].Len()), make([]float32, sep[i].Len())
		b.Download(got, fused[i])
		b.Download(want, sep[i])
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("product %d, element %d: %v fused, %v separately", i, j, got[j], want[j])
			}
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}

// TestMatMulSharedInputConvertsOnce counts the conversions on the fake
// device: one for three products.
func TestMatMulSharedInputConvertsOnce(t *testing.T) {
	b, f := newFakeBackend(t)
	x := b.New(tensor.F32, 64, 32)
	ws := []*tensor.Tensor{b.New(tensor.BF16, 16, 32), b.New(tensor.BF16, 8, 32), b.New(tensor.BF16, 16, 32)}
	outs := []*tensor.Tensor{b.New(tensor.F32, 64, 16), b.New(tensor.F32, 64, 8), b.New(tensor.F32, 64, 16)}
	b.MatMulSharedInput(outs, x, ws)
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	conv := f.launched["f32_to_bf16"] + f.launched["f32_to_bf16_x4"]
	if conv != 1 {
		t.Errorf("%d conversions of the shared input, want 1", conv)
	}
}
