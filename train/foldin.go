// User vectors folded in from the items before each target. The fitted row
// of a user saw the whole training split, the training targets included: a
// model trained on it can read each target out of the user vector, and its
// training loss then says little about held-out items (results/quality,
// Beauty). Folding the user in from the history that precedes the target,
// against the fitted item factors, gives a user vector that never saw it,
// at training and at evaluation alike.

package train

import (
	"fmt"

	"embrec/wals"
)

// User-vector sources (RunSpec.UserVectors).
const (
	// UserVectorsFitted injects the user's row of the factor table (the
	// paper's setting; "" too).
	UserVectorsFitted = "fitted"
	// UserVectorsFoldIn injects the WALS fold-in of the items before the
	// target (data.Sample.Prefix), solved against the item factors.
	UserVectorsFoldIn = "foldin"
)

// FoldInSpec is the regularisation and confidence a fold-in solves with:
// those of the fit that produced the item factors.
type FoldInSpec struct {
	Reg   float64 `json:"reg"`
	Alpha float64 `json:"alpha"`
}

// UserFolder folds users in against a factor table's item side.
type UserFolder struct {
	w     *wals.FoldIn
	scale float64 // the fitted user table's rms (Factors.Standardize): folded vectors are divided by it too
	items int
}

// NewUserFolder prepares fold-ins against raw (unstandardised) factors f;
// userScale is what Standardize divided the user table by.
func NewUserFolder(f *Factors, fs FoldInSpec, userScale float64) (*UserFolder, error) {
	w, err := wals.NewFoldIn(f.Item, f.K, fs.Reg, fs.Alpha)
	if err != nil {
		return nil, err
	}
	if !(userScale > 0) {
		userScale = 1
	}
	return &UserFolder{w: w, scale: userScale, items: len(f.Item) / f.K}, nil
}

// Vec returns the standardised fold-in (K) of the items of history (item
// indices; repeats count as repeated interactions).
func (u *UserFolder) Vec(history []int32) ([]float32, error) {
	vals := make([]float32, len(history))
	for i := range vals {
		vals[i] = 1
	}
	x := make([]float32, u.w.K)
	if err := u.w.Solve(x, history, vals); err != nil {
		return nil, fmt.Errorf("train: user fold-in: %w", err)
	}
	for i := range x {
		x[i] = float32(float64(x[i]) / u.scale)
	}
	return x, nil
}
