// matrix.go: the interaction matrix WALS is fitted on, built from the
// training split only, with its columns in OpenP5 sequential-indexing order.

package cf

import (
	"embrec/train/data"
	"embrec/wals"
)

// Columns maps dataset item indices to matrix columns and back. The column
// order is OpenP5's sequential indexing (column c = item id 1001+c): items
// of the training split first, in order of first appearance, then items
// that occur only as validation/test targets. The position of a training
// item therefore depends on the training split alone.
type Columns struct {
	Of   []int32 // item index -> column
	Item []int32 // column -> item index
}

// TrainColumns returns the column order of d.
func TrainColumns(d *data.Dataset) Columns {
	ix := data.SequentialIndexing(d)
	c := Columns{Of: make([]int32, d.NumItems()), Item: make([]int32, d.NumItems())}
	for it, id := range ix.ItemID {
		col := int32(id - data.FirstItemID)
		c.Of[it] = col
		c.Item[col] = int32(it)
	}
	return c
}

// RawIDs returns the raw item ids in column order.
func (c Columns) RawIDs(d *data.Dataset) []string {
	ids := make([]string, len(c.Item))
	for col, it := range c.Item {
		ids[col] = d.Items[it]
	}
	return ids
}

// TrainMatrix returns the users × items matrix of training interactions
// (seq[:-2] of every user; repeats add up), columns ordered by cols.
// Validation and test items are never read, so they cannot leak into factors
// fitted on it; items that occur only as held-out targets have empty
// columns, which WALS keeps at zero.
func TrainMatrix(d *data.Dataset, cols Columns) *wals.Matrix {
	e := make([]wals.Entry, 0, d.TrainInteractions())
	for u := range d.Seqs {
		for _, it := range d.TrainSeq(u) {
			e = append(e, wals.Entry{Row: int32(u), Col: cols.Of[it]})
		}
	}
	m, err := wals.NewMatrix(d.NumUsers(), d.NumItems(), e)
	if err != nil {
		panic("cf: " + err.Error()) // indices come from the dataset
	}
	return m
}
