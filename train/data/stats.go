// stats.go: summary counts of a dataset and its split.

package data

import (
	"fmt"
	"io"
)

// Stats are summary counts of a dataset.
type Stats struct {
	Users, Items, Interactions int
	MinLen, MaxLen             int
	MeanLen                    float64
	TrainInteractions          int
	TrainItems                 int // distinct items in the training split
	ColdItems                  int // items that occur only as validation/test targets
	TrainSamples               int // OpenP5 training samples (positions >= 1 of seq[:-2])
	Density                    float64
}

// ComputeStats counts d.
func ComputeStats(d *Dataset) Stats {
	s := Stats{Users: d.NumUsers(), Items: d.NumItems(), MinLen: int(^uint(0) >> 1)}
	inTrain := make([]bool, d.NumItems())
	for u, seq := range d.Seqs {
		n := len(seq)
		s.Interactions += n
		s.MinLen = min(s.MinLen, n)
		s.MaxLen = max(s.MaxLen, n)
		s.TrainInteractions += n - 2
		s.TrainSamples += n - 3
		for _, it := range d.TrainSeq(u) {
			inTrain[it] = true
		}
	}
	for _, ok := range inTrain {
		if ok {
			s.TrainItems++
		}
	}
	s.ColdItems = s.Items - s.TrainItems
	s.MeanLen = float64(s.Interactions) / float64(s.Users)
	s.Density = float64(s.Interactions) / (float64(s.Users) * float64(s.Items))
	return s
}

// Print writes the stats as aligned "name value" lines.
func (s Stats) Print(w io.Writer) {
	fmt.Fprintf(w, "users              %d\n", s.Users)
	fmt.Fprintf(w, "items              %d\n", s.Items)
	fmt.Fprintf(w, "interactions       %d\n", s.Interactions)
	fmt.Fprintf(w, "sequence length    min %d, max %d, mean %.2f\n", s.MinLen, s.MaxLen, s.MeanLen)
	fmt.Fprintf(w, "density            %.6f\n", s.Density)
	fmt.Fprintf(w, "train interactions %d (validation %d, test %d)\n", s.TrainInteractions, s.Users, s.Users)
	fmt.Fprintf(w, "train items        %d (%d items occur only as validation/test targets)\n", s.TrainItems, s.ColdItems)
	fmt.Fprintf(w, "train samples      %d (OpenP5: positions >= 1 of seq[:-2])\n", s.TrainSamples)
}
