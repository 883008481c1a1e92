// samples.go: the training, validation and test samples of the OpenP5
// sequential and straightforward tasks.

package data

import "strings"

// DefaultMaxHistory is OpenP5's default history length (max_his).
const DefaultMaxHistory = 10

// Sample is one (user, history, target) example. Items are item indices.
type Sample struct {
	User    int     // user index
	History []int32 // at most MaxHistory items before Target, oldest first (aliases the dataset)
	Target  int32
	// Prefix is every item of the user's sequence before Target, oldest
	// first (aliases the dataset; History is its tail). Nil for samples
	// built from a request: the history is then all there is.
	Prefix []int32
}

// SampleOptions control sample construction.
type SampleOptions struct {
	MaxHistory int  // keep the last MaxHistory items of the history; <= 0 keeps all
	KeepEmpty  bool // include training samples with an empty history (position 0); OpenP5 skips them
	// Stride > 0 keeps every Stride-th training target only, counted back
	// from each user's last training item (windows whose histories tile
	// the sequence when Stride = MaxHistory).
	Stride int
}

func truncate(h []int32, max int) []int32 {
	if max > 0 && len(h) > max {
		return h[len(h)-max:]
	}
	return h
}

// Samples returns the samples of split sp, users in file order.
//
// Train: for every user and every position i >= 1 of the training items
// seq[:-2], target seq[i] with history seq[:i] (truncated). Valid: target
// seq[-2], history seq[:-2]. Test: target seq[-1], history seq[:-1].
func (d *Dataset) Samples(sp Split, opt SampleOptions) []Sample {
	var out []Sample
	switch sp {
	case Train:
		out = make([]Sample, 0, d.TrainInteractions())
		for u := range d.Seqs {
			tr := d.TrainSeq(u)
			start := 1
			if opt.KeepEmpty {
				start = 0
			}
			for i := start; i < len(tr); i++ {
				if opt.Stride > 0 && (len(tr)-1-i)%opt.Stride != 0 {
					continue
				}
				out = append(out, Sample{User: u, History: truncate(tr[:i], opt.MaxHistory), Target: tr[i], Prefix: tr[:i]})
			}
		}
	default:
		out = make([]Sample, 0, d.NumUsers())
		for u := range d.Seqs {
			t, before := d.Target(u, sp)
			out = append(out, Sample{User: u, History: truncate(before, opt.MaxHistory), Target: t, Prefix: before})
		}
	}
	return out
}

// RenderHistory writes the history as prompts show it ("item_1001 , item_1002").
func RenderHistory(ix *Indexing, h []int32) string {
	var b strings.Builder
	for i, it := range h {
		if i > 0 {
			b.WriteString(HistorySep)
		}
		b.WriteString(ItemToken(ix.ItemID[it]))
	}
	return b.String()
}

// PromptFields returns the template fields of a sample under an indexing.
func (d *Dataset) PromptFields(ix *Indexing, s Sample) Fields {
	return Fields{
		Dataset: d.Name,
		UserID:  itoa(UserID(s.User)),
		History: RenderHistory(ix, s.History),
		Target:  ItemToken(ix.ItemID[s.Target]),
	}
}
