// Batches: prompts left-padded into (B, T) ids, key mask, next-token
// targets over the target span only, and the rows where projected user
// and item vectors go.

package train

import "fmt"

// IgnoreIndex marks positions without a loss (HF's -100).
const IgnoreIndex = -100

// Batch is B prompts padded on the left to T positions.
type Batch struct {
	B, T     int
	IDs      []int32   // (B*T) token ids; padding and slots hold fill ids
	Mask     []int32   // (B*T) 1 for real tokens, 0 for padding
	Targets  []int32   // (B*T) the next token where it is a target token, else IgnoreIndex
	UserRows []int32   // row (b*T+t) of each user slot
	UserIdx  []int32   // the user index there
	UserVecs []float32 // (len(UserRows), K) folded-in user vectors replacing the table rows, or nil
	ItemRows []int32   // row of each history-item slot
	ItemIdx  []int32   // the item index there
	Rows     int       // prompts actually present (the rest are all padding)
	Tokens   int       // target tokens (loss terms)
	// Dropout, when > 0, drops input embeddings at this rate (mask seed
	// DropSeed) in a training step (TrainConfig.InputDropout);
	// ResidualDropout the blocks' outputs (TrainConfig.ResidualDropout).
	Dropout         float32
	ResidualDropout float32
	DropSeed        uint64
}

// SeqLen is the length of p in a batch: input, plus target when present.
func SeqLen(p Prompt, withTarget bool) int {
	if withTarget {
		return len(p.Input) + len(p.Target)
	}
	return len(p.Input)
}

// MakeBatch packs ps into a (B, T) batch; B >= len(ps) (extra rows are
// padding) and T must hold every sequence. withTarget appends the target
// tokens and sets Targets so that position t predicts token t+1 of the
// target span (the last input token predicts the first target token).
func MakeBatch(ps []Prompt, B, T int, withTarget bool, fill int32) (*Batch, error) {
	if len(ps) > B {
		return nil, fmt.Errorf("train: %d prompts for a batch of %d", len(ps), B)
	}
	bt := &Batch{B: B, T: T, IDs: make([]int32, B*T), Mask: make([]int32, B*T), Targets: make([]int32, B*T), Rows: len(ps)}
	for i := range bt.IDs {
		bt.IDs[i], bt.Targets[i] = fill, IgnoreIndex
	}
	folded := 0
	for b, p := range ps {
		n := SeqLen(p, withTarget)
		if n > T {
			return nil, fmt.Errorf("train: prompt of %d tokens exceeds the batch length %d", n, T)
		}
		off := b*T + T - n // left padding
		copy(bt.IDs[off:], p.Input)
		if withTarget {
			copy(bt.IDs[off+len(p.Input):], p.Target)
			for j := range p.Target {
				bt.Targets[off+len(p.Input)-1+j] = p.Target[j]
			}
			bt.Tokens += len(p.Target)
			for _, a := range p.Aux {
				bt.Targets[off+int(a[0])] = a[1]
			}
			bt.Tokens += len(p.Aux)
		}
		for t := off; t < off+n; t++ {
			bt.Mask[t] = 1
		}
		for _, s := range p.UserSlots {
			bt.UserRows = append(bt.UserRows, int32(off+s))
			bt.UserIdx = append(bt.UserIdx, p.User)
			if p.UserVec != nil {
				bt.UserVecs = append(bt.UserVecs, p.UserVec...)
				folded++
			}
		}
		for i, s := range p.ItemSlots {
			bt.ItemRows = append(bt.ItemRows, int32(off+s))
			bt.ItemIdx = append(bt.ItemIdx, p.Items[i])
		}
	}
	if folded > 0 && folded != len(bt.UserRows) {
		return nil, fmt.Errorf("train: %d of %d user slots carry a folded-in vector (want all or none)", folded, len(bt.UserRows))
	}
	return bt, nil
}
