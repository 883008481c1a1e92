// The activation arena: every buffer a forward/backward pass over a
// (B, T) batch needs, carved out of a few allocations sized once.

package llama

import "embrec/tensor"

// arena plans views of flat float32 tensors: request buffers with take,
// then alloc sets them all.
type arena struct {
	reqs  []arenaReq
	total int
}

type arenaReq struct {
	dst   **tensor.Tensor
	shape []int
}

func (a *arena) take(dst **tensor.Tensor, shape ...int) {
	a.reqs = append(a.reqs, arenaReq{dst, shape})
	a.total += numel(shape)
}

// arenaChunk is the most elements of one allocation: GPU kernels index
// a tensor with int32, and a 3B model's activations at B*T = 2048 are
// over 3e9 floats.
var arenaChunk = 1 << 30 // a variable for tests

// alloc allocates the flat buffers, consecutive requests sharing one up
// to arenaChunk elements, and points every requested tensor at its view;
// it returns the buffers.
func (a *arena) alloc(b tensor.Allocator) []*tensor.Tensor {
	var flats []*tensor.Tensor
	for i := 0; i < len(a.reqs); {
		n, j := 0, i
		for j < len(a.reqs) && (j == i || n+numel(a.reqs[j].shape) <= arenaChunk) {
			n += numel(a.reqs[j].shape)
			j++
		}
		flat := b.New(tensor.F32, n)
		off := 0
		for _, r := range a.reqs[i:j] {
			*r.dst = flat.View(off, r.shape...)
			off += numel(r.shape)
		}
		flats = append(flats, flat)
		i = j
	}
	return flats
}

// layerActs are the saved activations of one block (all 2-D, N = B*T
// rows), with 3-D views for attention.
type layerActs struct {
	xn1, rstd1     *tensor.Tensor // (N, C), (N)   attention RMSNorm out, 1/rms
	q, k, v        *tensor.Tensor // (N, NH*HS), (N, NKV*HS) x2, after RoPE
	probs          *tensor.Tensor // (B, NH, T, T) attention softmax
	att            *tensor.Tensor // (N, NH*HS) attention output, o_proj input
	res2           *tensor.Tensor // (N, C) residual after attention
	xn2, rstd2     *tensor.Tensor // (N, C), (N)   MLP RMSNorm out, 1/rms
	gate, up, h    *tensor.Tensor // (N, H) x3: gate_proj, up_proj, silu(gate)*up
	q3, k3, v3, a3 *tensor.Tensor // 3-D views (B, T, .) of q, k, v, att
}

func (a *layerActs) plan(ar *arena, c Config, B, T int) {
	N := B * T
	ar.take(&a.xn1, N, c.Hidden)
	ar.take(&a.rstd1, N)
	ar.take(&a.q, N, c.QDim())
	ar.take(&a.k, N, c.KVDim())
	ar.take(&a.v, N, c.KVDim())
	ar.take(&a.probs, B, c.Heads, T, T)
	ar.take(&a.att, N, c.QDim())
	ar.take(&a.res2, N, c.Hidden)
	ar.take(&a.xn2, N, c.Hidden)
	ar.take(&a.rstd2, N)
	ar.take(&a.gate, N, c.Intermediate)
	ar.take(&a.up, N, c.Intermediate)
	ar.take(&a.h, N, c.Intermediate)
}

func (a *layerActs) views(B, T int) {
	a.q3 = a.q.Reshape(B, T, a.q.Cols())
	a.k3 = a.k.Reshape(B, T, a.k.Cols())
	a.v3 = a.v.Reshape(B, T, a.v.Cols())
	a.a3 = a.att.Reshape(B, T, a.att.Cols())
}

// layerFloats is the number of float32 values one block saves per token
// for the backward pass at sequence length T.
func layerFloats(c Config, T int) int {
	return 4*c.Hidden + 2 + 2*c.QDim() + 2*c.KVDim() + 3*c.Intermediate + c.Heads*T
}

// ActivationBytes is the size of the arena NewRun allocates for a (B, T)
// batch with the given options: the activation-memory budget. Per token it
// is about 4 bytes times
//
//	(L+1)*C                            residual stream at every block boundary
//	+ S * (4C + 2 + 2*NH*HS + 2*NKV*HS + 3H + NH*T)   saved block activations
//	+ 3C + 2*NH*HS + 2*NKV*HS + 3H + 2              backward scratch and final norm
//	+ (V + C + 1) * R/(B*T)                         logits, for R selected rows
//
// with S = L, or S = 1 under checkpointing (one block's activations,
// recomputed from the saved residual in backward). For OpenLLaMA-3B
// (C 3200, H 8640, NH 32 of 100, L 26) at T = 128 that is ~6.0 MB per token
// without checkpointing and ~0.8 MB with it (plus logits: 128 KB per
// selected row at V 32000).
func ActivationBytes(c Config, B, T int, opt RunOptions) int64 {
	r := &Run{}
	ar := r.plan(c, B, T, opt)
	return 4 * int64(ar.total)
}
