// The fused dropout products (tensor.DropoutMatMuler) against the unfused
// ops they replace, bit for bit: LoRA's shapes (the adapter's product and
// its two gradients), split-K slices, and shapes that take the unfused
// fallback inside the fused op.

package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
)

func TestDropoutMatMul(t *testing.T) {
	for _, unfused := range []bool{false, true} {
		b := newTestBackend(t)
		b.unfusedDrop = unfused
		checkDropoutMatMul(t, b)
	}
}

func checkDropoutMatMul(t *testing.T, b *Backend) {
	rng := rand.New(rand.NewPCG(31, 32))
	rnd := func(shape ...int) *tensor.Tensor { return randn(b, rng, tensor.F32, shape...) }
	clone := func(x *tensor.Tensor) *tensor.Tensor {
		y := b.New(tensor.F32, x.Shape()...)
		b.Copy(y, x)
		return y
	}
	same := func(what string, got, want *tensor.Tensor) {
		t.Helper()
		g, w := make([]float32, got.Len()), make([]float32, want.Len())
		b.Download(g, got)
		b.Download(w, want)
		for i := range g {
			if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
				t.Fatalf("%s: element %d is %v fused, %v unfused", what, i, g[i], w[i])
			}
		}
	}
	const p, seed = 0.1, 77
	for _, sz := range [][3]int{{300, 200, 8}, {70, 48, 4}, {2, 40, 8}, {24, 20, 70}} { // N, In, R
		N, In, R := sz[0], sz[1], sz[2]
		x, A, dh := rnd(N, In), rnd(R, In), rnd(N, R)
		xd, mask := b.New(tensor.F32, N, In), b.New(tensor.F32, N, In)
		b.DropoutForward(xd, mask, x, p, seed)

		// The adapter's product: (N, R) = dropout(x) @ A^T.
		hs, hs2 := rnd(N, R), rnd(N, R)
		b.MatMulDropIn(hs, x, A, false, true, 0, 0, p, seed)
		b.MatMul(hs2, xd, A, false, true, 0)
		same("dropout(x) A^T", hs, hs2)

		// dA (R, In) += dh^T @ dropout(x).
		dA := rnd(R, In)
		dA2 := clone(dA)
		b.MatMulDropIn(dA, dh, x, true, false, 1, 1, p, seed)
		b.MatMul(dA2, dh, xd, true, false, 1)
		same("dA += dh^T dropout(x)", dA, dA2)

		// dx (N, In) += (dh @ A) * mask.
		dx := rnd(N, In)
		dx2 := clone(dx)
		b.MatMulDropOut(dx, dh, A, 1, p, seed)
		dxd := b.New(tensor.F32, N, In)
		b.MatMul(dxd, dh, A, false, false, 0)
		b.DropoutBackward(dxd, dxd, mask)
		b.AddScaled(dx2, dxd, 1)
		same("dx += (dh A) * mask", dx, dx2)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}
