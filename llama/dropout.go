// Residual dropout: each block's attention output (after o_proj) and MLP
// output (after down_proj) dropped before they join the residual stream,
// as SASRec's blocks do. The masks come from a counter-based generator
// (tensor.Dropouts), so the backward pass and a checkpointing recompute
// redraw them from the seed instead of keeping them.

package llama

import (
	"fmt"

	"embrec/tensor"
)

// Dropout branches of a block.
const (
	dropAttn = iota // o_proj's output
	dropMLP         // down_proj's output
)

// SetDropout sets the residual dropout rate p in [0, 1) and mask seed of
// the next Forward and the Backward that follows it. 0 (the default)
// turns it off; evaluation leaves it off. The scratch it needs is the
// backward's own, so it costs no arena memory.
func (r *Run) SetDropout(p float32, seed uint64) {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("llama: SetDropout: rate %v not in [0, 1)", p))
	}
	r.dropP, r.dropSeed = p, seed
}

// dropoutSeed is the mask seed of block l's branch: the run's seed mixed
// (splitmix64) with the pair, so that masks of different blocks, branches
// and seeds are unrelated streams rather than shifts of one another.
func (r *Run) dropoutSeed(l, branch int) uint64 {
	z := r.fwdDropSeed ^ 0xd1b54a32d192ed03
	z += uint64(2*l+branch+1) * 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// dropForward drops x (N, C), block l's branch output, in place; the
// mask goes to dtmp, free during the forward pass and during a
// checkpointing recompute.
func (r *Run) dropForward(x *tensor.Tensor, l, branch int) {
	if r.fwdDropP > 0 {
		r.m.Backend.DropoutForward(x, r.dtmp, x, r.fwdDropP, r.dropoutSeed(l, branch))
	}
}

// dropBackward returns the gradient w.r.t. block l's branch output before
// its dropout, given dres, the gradient after it: dres itself without
// dropout, else dres times the redrawn mask in dtmp (the mask in dxn; both
// free at the two places layerBackward asks).
func (r *Run) dropBackward(l, branch int) *tensor.Tensor {
	if r.fwdDropP == 0 {
		return r.dres
	}
	r.m.Backend.DropoutForward(r.dtmp, r.dxn, r.dres, r.fwdDropP, r.dropoutSeed(l, branch))
	return r.dtmp
}
