// The activation arena: every buffer a forward/backward pass over a
// (B, T) batch needs, carved out of a few allocations sized once.

package llama

import (
	"fmt"

	"embrec/tensor"
)

// arena plans views of flat tensors: request buffers with take (float32)
// or takeAs, then alloc sets them all.
type arena struct {
	reqs    []arenaReq
	aliases []arenaAlias // set by alias and aliasView
	bytes   int64
}

type arenaReq struct {
	dst   **tensor.Tensor
	dt    tensor.DType
	shape []int
}

func (a *arena) take(dst **tensor.Tensor, shape ...int) { a.takeAs(dst, tensor.F32, shape...) }

// alias points dst, at alloc, at the tensor planned for src (no memory of
// its own): for buffers whose lifetimes never overlap.
func (a *arena) alias(dst, src **tensor.Tensor) {
	a.aliases = append(a.aliases, arenaAlias{dst, src, 0, nil})
}

// aliasView is alias with dst a view of shape at element off of src's
// memory (inside it).
func (a *arena) aliasView(dst, src **tensor.Tensor, off int, shape ...int) {
	a.aliases = append(a.aliases, arenaAlias{dst, src, off, shape})
}

// arenaAlias: dst shares src's memory, as src (shape nil) or as a view of
// shape at element off.
type arenaAlias struct {
	dst, src **tensor.Tensor
	off      int
	shape    []int
}

func (a *arena) takeAs(dst **tensor.Tensor, dt tensor.DType, shape ...int) {
	a.reqs = append(a.reqs, arenaReq{dst, dt, shape})
	a.bytes += int64(numel(shape) * dt.Size())
}

// arenaChunk is the most elements of one allocation: GPU kernels index
// a tensor with int32, and a 3B model's activations at B*T = 2048 are
// over 3e9 floats.
var arenaChunk = 1 << 30 // a variable for tests

// alloc allocates the flat buffers, consecutive requests of one dtype
// sharing one up to arenaChunk elements, and points every requested tensor
// at its view; it returns the buffers.
func (a *arena) alloc(b tensor.Allocator) []*tensor.Tensor {
	var flats []*tensor.Tensor
	for i := 0; i < len(a.reqs); {
		n, j, dt := 0, i, a.reqs[i].dt
		for j < len(a.reqs) && a.reqs[j].dt == dt && (j == i || n+numel(a.reqs[j].shape) <= arenaChunk) {
			n += numel(a.reqs[j].shape)
			j++
		}
		flat := b.New(dt, n)
		off := 0
		for _, r := range a.reqs[i:j] {
			*r.dst = flat.View(off, r.shape...)
			off += numel(r.shape)
		}
		flats = append(flats, flat)
		i = j
	}
	for _, d := range a.aliases {
		if d.shape == nil {
			*d.dst = *d.src
			continue
		}
		if d.off+numel(d.shape) > (*d.src).Len() {
			panic(fmt.Sprintf("llama: arena alias of shape %v at %d in %v", d.shape, d.off, *d.src))
		}
		*d.dst = (*d.src).View(d.off, d.shape...)
	}
	return flats
}

// layerActs are the activations one block saves for its backward pass
// (all 2-D, N = B*T rows), with 3-D views for attention. Only what the
// backward of a frozen or adapted block reads is kept per block; the
// inputs of the linear layers (the RMSNorm outputs, the attention output,
// silu(gate)*up) live in one scratch copy per Run (runScratch) and are
// recomputed in backward from what is saved, when a weight gradient or an
// adapter needs them.
type layerActs struct {
	rstd1, rstd2 *tensor.Tensor // (N) x2: 1/rms of the attention and MLP RMSNorms
	q, k, v      *tensor.Tensor // (N, NH*HS), (N, NKV*HS) x2, after RoPE (BF16 under SaveBF16 with FlashAttention)
	probs        *tensor.Tensor // (B, NH, T, T) attention softmax (shared under RecomputeAttention)
	res2         *tensor.Tensor // (N, C) residual after attention
	gate, up     *tensor.Tensor // (N, H) x2: gate_proj, up_proj outputs (BF16 under SaveBF16)
	q3, k3, v3   *tensor.Tensor // 3-D views (B, T, .) of q, k, v
}

func (a *layerActs) plan(ar *arena, c Config, B, T int, probs bool, mlp, qkv tensor.DType) {
	N := B * T
	ar.take(&a.rstd1, N)
	ar.takeAs(&a.q, qkv, N, c.QDim())
	ar.takeAs(&a.k, qkv, N, c.KVDim())
	ar.takeAs(&a.v, qkv, N, c.KVDim())
	if probs {
		ar.take(&a.probs, B, c.Heads, T, T)
	}
	ar.take(&a.res2, N, c.Hidden)
	ar.take(&a.rstd2, N)
	ar.takeAs(&a.gate, mlp, N, c.Intermediate)
	ar.takeAs(&a.up, mlp, N, c.Intermediate)
}

func (a *layerActs) views(B, T int) {
	a.q3 = a.q.Reshape(B, T, a.q.Cols())
	a.k3 = a.k.Reshape(B, T, a.k.Cols())
	a.v3 = a.v.Reshape(B, T, a.v.Cols())
}

// runScratch are the block buffers that are not saved per block: written
// by every block's forward, recomputed by its backward when needed.
type runScratch struct {
	xn    *tensor.Tensor // (N, C) RMSNorm output: input of q/k/v, then of gate/up
	rstd  *tensor.Tensor // (N) 1/rms of a recomputed RMSNorm (discarded)
	att   *tensor.Tensor // (N, NH*HS) attention output, o_proj input
	a3    *tensor.Tensor // (B, T, NH*HS) view of att
	h     *tensor.Tensor // (N, H) silu(gate)*up, down_proj input
	probs *tensor.Tensor // (B, NH, T, T) the one softmax buffer under RecomputeAttention, else nil
	lse   *tensor.Tensor // (B, NH, T) the fused attention's log-sum-exp under FlashAttention, else nil
}

func (s *runScratch) plan(ar *arena, c Config, B, T int, probs, lse bool) {
	N := B * T
	ar.take(&s.xn, N, c.Hidden)
	ar.take(&s.rstd, N)
	ar.take(&s.att, N, c.QDim())
	ar.take(&s.h, N, c.Intermediate)
	if probs {
		ar.take(&s.probs, B, c.Heads, T, T)
	}
	if lse {
		ar.take(&s.lse, B, c.Heads, T)
	}
}

// ActivationBytes is the size of the arena NewRun allocates for a (B, T)
// batch with the given options: the activation-memory budget. Per token it
// is 4 bytes times
//
//	(L+1)*C                                 residual stream at every block boundary
//	+ S * (C + 2 + NH*HS + 2*NKV*HS + 2H + NH*T)   saved block activations
//	+ 5C + 4*NH*HS + 3*NKV*HS + 4H + 2            block scratch, final norm, backward scratch
//	+ (V + C + 1) * R/(B*T)                       logits, for R selected rows
//
// with S = L, or S = 1 under checkpointing (one block's activations,
// recomputed from the saved residual in backward). RecomputeAttention
// moves the NH*T softmax floats from every block to one shared buffer;
// FlashAttention drops them from every block and keeps NH log-sum-exp
// floats per token in one buffer;
// SaveBF16 stores the 2H saved gate and up values in 2 bytes each, and
// with FlashAttention the NH*HS + 2*NKV*HS saved q, k and v values too; it
// adds 2H BF16 values of scratch (the MLP products' operands that SwiGLU
// writes, Run.bf16Operand), H in the 4-byte units above. For
// OpenLLaMA-3B (C 3200, H 8640, NH 32 of 100, L 26) at T = 128 that is
// about 4.2 MB per token (3.3 MB with SaveBF16), 3.8 MB recomputing
// attention and 0.8 MB checkpointing (plus 141 KB per selected logit row at
// V 32000).
func ActivationBytes(c Config, B, T int, opt RunOptions) int64 {
	r := &Run{}
	ar := r.plan(c, B, T, opt)
	return ar.bytes
}
