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
// the next Forward and the Backward that follows it (set it before
// Forward, not between the two). 0 (the default) turns it off; evaluation
// leaves it off. The scratch it needs is the backward's own, so it costs
// no arena memory.
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
	return splitmix64(r.dropSeed ^ 0xd1b54a32d192ed03 + uint64(2*l+branch)*0x9e3779b97f4a7c15)
}

// dropForward drops x (N, C), block l's branch output, in place; the
// mask goes to dtmp, free during the forward pass and during a
// checkpointing recompute.
func (r *Run) dropForward(x *tensor.Tensor, l, branch int) {
	if r.dropP > 0 {
		r.m.Backend.DropoutForward(x, r.dtmp, x, r.dropP, r.dropoutSeed(l, branch))
	}
}

// branchGrad returns the output gradient of projection p, block l's
// branch, and its BF16 copy or nil (dresCopy): dres, the gradient after
// the branch's dropout, as it is without dropout; with it, dres times the
// redrawn mask in dtmp (the mask in dxn; both free at the two places
// layerBackward asks) and no copy, as dres's would be stale.
func (r *Run) branchGrad(l int, p Proj, branch int) (dOut, dOutB *tensor.Tensor) {
	if r.dropP == 0 {
		return r.dres, r.dresCopy(l, p)
	}
	r.m.Backend.DropoutForward(r.dtmp, r.dxn, r.dres, r.dropP, r.dropoutSeed(l, branch))
	return r.dtmp, nil
}
