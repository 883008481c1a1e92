// Backend-independent helpers built on the Backend interface: RoPE tables,
// global-norm clipping, the dropout RNG.

package tensor

import "math"

// RoPETable returns the (maxPos, HS/2) cos and sin tables of rotary
// embeddings with base theta: angle(p, i) = p * theta^(-2i/HS). The angles
// are computed in float64 and rounded once, so tables agree across backends.
func RoPETable(b Allocator, maxPos, headSize int, theta float64) (cos, sin *Tensor) {
	if headSize%2 != 0 {
		panic("tensor: RoPE head size must be even")
	}
	half := headSize / 2
	c := make([]float32, maxPos*half)
	s := make([]float32, maxPos*half)
	for i := 0; i < half; i++ {
		// HF computes inv_freq in float32; rounding it the same way keeps
		// the angles at large positions within float32 noise of theirs.
		invFreq := float64(float32(1 / math.Pow(theta, float64(2*i)/float64(headSize))))
		for p := 0; p < maxPos; p++ {
			a := float64(p) * invFreq
			c[p*half+i] = float32(math.Cos(a))
			s[p*half+i] = float32(math.Sin(a))
		}
	}
	cos = b.New(F32, maxPos, half)
	sin = b.New(F32, maxPos, half)
	b.Upload(cos, c)
	b.Upload(sin, s)
	return cos, sin
}

// ClipGlobalNorm scales every tensor in grads by maxNorm/norm when the
// global L2 norm exceeds maxNorm (PyTorch's clip_grad_norm_, with its 1e-6
// guard) and returns the norm before clipping. maxNorm <= 0 only measures.
func ClipGlobalNorm(b Elementwise, grads []*Tensor, maxNorm float64) float64 {
	var ss float64
	for _, g := range grads {
		ss += b.SumSquares(g)
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 && norm > maxNorm {
		s := float32(maxNorm / (norm + 1e-6))
		for _, g := range grads {
			b.Scale(g, s)
		}
	}
	return norm
}
