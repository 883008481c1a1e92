// split.go: OpenP5's leave-one-out split (training = all but the last two
// items, validation = second-to-last, test = last).

package data

// Split names one of the three parts of the leave-one-out split.
type Split int

const (
	Train Split = iota
	Valid
	Test
)

func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case Valid:
		return "valid"
	case Test:
		return "test"
	}
	return "split?"
}

// ParseSplit parses "train", "valid" (or "validation") and "test".
func ParseSplit(s string) (Split, bool) {
	switch s {
	case "train":
		return Train, true
	case "valid", "validation", "val":
		return Valid, true
	case "test":
		return Test, true
	}
	return 0, false
}

// TrainSeq is user u's training items (all but the last two).
func (d *Dataset) TrainSeq(u int) []int32 { s := d.Seqs[u]; return s[:len(s)-2] }

// ValidItem is user u's validation target (second-to-last item).
func (d *Dataset) ValidItem(u int) int32 { s := d.Seqs[u]; return s[len(s)-2] }

// TestItem is user u's test target (last item).
func (d *Dataset) TestItem(u int) int32 { s := d.Seqs[u]; return s[len(s)-1] }

// Target returns user u's held-out item for sp (Valid or Test) and the items
// that precede it (its full history).
func (d *Dataset) Target(u int, sp Split) (target int32, before []int32) {
	s := d.Seqs[u]
	switch sp {
	case Valid:
		return s[len(s)-2], s[:len(s)-2]
	case Test:
		return s[len(s)-1], s[:len(s)-1]
	}
	panic("data: Target needs Valid or Test")
}

// TrainInteractions is the number of events in the training split.
func (d *Dataset) TrainInteractions() int {
	n := 0
	for _, s := range d.Seqs {
		n += len(s) - 2
	}
	return n
}
