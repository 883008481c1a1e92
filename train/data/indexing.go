// indexing.go: OpenP5's item indexings ("sequential" and "random") and the
// files OpenP5 writes for them.

package data

import (
	"embrec/internal/atomicfile"

	"bufio"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
)

// FirstItemID is the id OpenP5 gives to the first indexed item.
const FirstItemID = 1001

// Indexing maps a dataset's users and items to OpenP5's numeric ids.
type Indexing struct {
	Kind   string // "sequential" or "random"
	Order  string // user order for "sequential" ("original"); "" for random
	ItemID []int  // item index -> mapped item id (1001, 1002, ...)
	// byID[id-FirstItemID] = item index (the inverse of ItemID)
	byID []int32
}

// UserID is OpenP5's user id for user index u: users are numbered from 1
// in file order (generate_user_map).
func UserID(u int) int { return u + 1 }

// SequentialIndexing is OpenP5's "sequential indexing" with the original
// user order: walk users in file order and number every not-yet-numbered
// item of the training part seq[:-2] from 1001 upward, in order of
// appearance; then a second pass over the last two items of every user.
func SequentialIndexing(d *Dataset) *Indexing {
	ix := &Indexing{Kind: "sequential", Order: "original", ItemID: make([]int, d.NumItems())}
	next := FirstItemID
	assign := func(items []int32) {
		for _, it := range items {
			if ix.ItemID[it] == 0 {
				ix.ItemID[it] = next
				next++
			}
		}
	}
	for u := range d.Seqs {
		assign(d.TrainSeq(u))
	}
	for _, s := range d.Seqs {
		assign(s[len(s)-2:])
	}
	ix.buildInverse()
	return ix
}

// RandomIndexing is OpenP5's "random indexing": items are shuffled and then
// numbered from 1001. OpenP5 shuffles with Python's global RNG over a set, so
// its exact order cannot be reproduced; embrec shuffles the items (in order
// of first appearance) with a PCG generator seeded by seed, so the same seed
// gives the same indexing on every machine.
func RandomIndexing(d *Dataset, seed uint64) *Indexing {
	n := d.NumItems()
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	ix := &Indexing{Kind: "random", ItemID: make([]int, n)}
	for pos, it := range perm {
		ix.ItemID[it] = FirstItemID + pos
	}
	ix.buildInverse()
	return ix
}

func (ix *Indexing) buildInverse() {
	ix.byID = make([]int32, len(ix.ItemID))
	for it, id := range ix.ItemID {
		ix.byID[id-FirstItemID] = int32(it)
	}
}

// Item returns the item index of a mapped item id.
func (ix *Indexing) Item(id int) (int32, bool) {
	k := id - FirstItemID
	if k < 0 || k >= len(ix.byID) {
		return 0, false
	}
	return ix.byID[k], true
}

// ItemFileName is the name OpenP5 gives to the item indexing file.
func (ix *Indexing) ItemFileName() string {
	if ix.Kind == "sequential" {
		return "item_sequential_indexing_" + ix.Order + ".txt"
	}
	return "item_" + ix.Kind + "_indexing.txt"
}

// SequenceFileName is the name OpenP5 gives to the re-indexed sequences.
func (ix *Indexing) SequenceFileName() string {
	if ix.Kind == "sequential" {
		return "user_sequence_sequential_indexing_" + ix.Order + ".txt"
	}
	return "user_sequence_" + ix.Kind + "_indexing.txt"
}

// WriteUserIndexing writes OpenP5's user_indexing.txt ("raw_user id" per
// line, users in file order) atomically.
func WriteUserIndexing(path string, d *Dataset) error {
	return atomicfile.Write(path, func(w *bufio.Writer) error {
		var num []byte
		for u, raw := range d.Users {
			w.WriteString(raw)
			w.WriteByte(' ')
			num = strconv.AppendInt(num[:0], int64(UserID(u)), 10)
			w.Write(num)
			w.WriteByte('\n')
		}
		return nil
	})
}

// WriteItemIndexing writes the item indexing file ("raw_item id" per line,
// in id order, as OpenP5 writes its dict in insertion order) atomically.
func (ix *Indexing) WriteItemIndexing(path string, d *Dataset) error {
	return atomicfile.Write(path, func(w *bufio.Writer) error {
		var num []byte
		for _, it := range ix.byID {
			w.WriteString(d.Items[it])
			w.WriteByte(' ')
			num = strconv.AppendInt(num[:0], int64(ix.ItemID[it]), 10)
			w.Write(num)
			w.WriteByte('\n')
		}
		return nil
	})
}

// WriteSequences writes the re-indexed user sequences ("user_id item_id
// item_id ..." per line, users in file order) atomically.
func (ix *Indexing) WriteSequences(path string, d *Dataset) error {
	return atomicfile.Write(path, func(w *bufio.Writer) error {
		var num []byte
		for u, s := range d.Seqs {
			num = strconv.AppendInt(num[:0], int64(UserID(u)), 10)
			for _, it := range s {
				num = append(num, ' ')
				num = strconv.AppendInt(num, int64(ix.ItemID[it]), 10)
			}
			num = append(num, '\n')
			w.Write(num)
		}
		return nil
	})
}

// WriteFiles writes user_indexing.txt, the item indexing file and the
// re-indexed sequence file into dir and returns their paths.
func (ix *Indexing) WriteFiles(dir string, d *Dataset) ([]string, error) {
	paths := []string{
		filepath.Join(dir, "user_indexing.txt"),
		filepath.Join(dir, ix.ItemFileName()),
		filepath.Join(dir, ix.SequenceFileName()),
	}
	if err := WriteUserIndexing(paths[0], d); err != nil {
		return nil, err
	}
	if err := ix.WriteItemIndexing(paths[1], d); err != nil {
		return nil, err
	}
	if err := ix.WriteSequences(paths[2], d); err != nil {
		return nil, err
	}
	return paths, nil
}

// ItemToken renders a mapped item id as it appears in prompts ("item_1001").
func ItemToken(id int) string { return "item_" + strconv.Itoa(id) }

// String describes the indexing.
func (ix *Indexing) String() string {
	if ix.Order != "" {
		return fmt.Sprintf("%s (%s)", ix.Kind, ix.Order)
	}
	return ix.Kind
}
