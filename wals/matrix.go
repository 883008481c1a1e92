// matrix.go: the sparse interaction matrix (CSR) and its transpose.

package wals

import (
	"fmt"
	"sort"
)

// Matrix is a sparse rows × cols matrix of interaction counts in CSR form.
// Row r's entries are Indices[Indptr[r]:Indptr[r+1]] (sorted, distinct)
// with values Values[...] (the counts r_ui > 0).
type Matrix struct {
	Rows, Cols int
	Indptr     []int64
	Indices    []int32
	Values     []float32
}

// Entry is one (row, col) interaction; repeated entries are summed.
type Entry struct {
	Row, Col int32
}

// NewMatrix builds a Matrix from entries; duplicates add up (a user who
// interacted with an item twice has r = 2).
func NewMatrix(rows, cols int, entries []Entry) (*Matrix, error) {
	m := &Matrix{Rows: rows, Cols: cols, Indptr: make([]int64, rows+1)}
	for _, e := range entries {
		if e.Row < 0 || int(e.Row) >= rows || e.Col < 0 || int(e.Col) >= cols {
			return nil, fmt.Errorf("wals: entry (%d, %d) outside %d × %d", e.Row, e.Col, rows, cols)
		}
		m.Indptr[e.Row+1]++
	}
	for r := 0; r < rows; r++ {
		m.Indptr[r+1] += m.Indptr[r]
	}
	idx := make([]int32, len(entries))
	fill := append([]int64(nil), m.Indptr[:rows]...)
	for _, e := range entries {
		idx[fill[e.Row]] = e.Col
		fill[e.Row]++
	}
	// Sort each row and merge duplicates.
	m.Indices = make([]int32, 0, len(entries))
	m.Values = make([]float32, 0, len(entries))
	out := int64(0)
	for r := 0; r < rows; r++ {
		row := idx[m.Indptr[r]:m.Indptr[r+1]] // Indptr[r] is rewritten only after this read
		sort.Slice(row, func(a, b int) bool { return row[a] < row[b] })
		start := out
		for i, c := range row {
			if i > 0 && c == row[i-1] {
				m.Values[len(m.Values)-1]++
				continue
			}
			m.Indices = append(m.Indices, c)
			m.Values = append(m.Values, 1)
			out++
		}
		m.Indptr[r] = start
	}
	m.Indptr[rows] = out
	return m, nil
}

// NNZ is the number of stored entries.
func (m *Matrix) NNZ() int { return len(m.Indices) }

// Row returns the column indices and values of row r.
func (m *Matrix) Row(r int) ([]int32, []float32) {
	a, b := m.Indptr[r], m.Indptr[r+1]
	return m.Indices[a:b], m.Values[a:b]
}

// Transpose returns the cols × rows matrix.
func (m *Matrix) Transpose() *Matrix {
	t := &Matrix{Rows: m.Cols, Cols: m.Rows, Indptr: make([]int64, m.Cols+1),
		Indices: make([]int32, len(m.Indices)), Values: make([]float32, len(m.Values))}
	for _, c := range m.Indices {
		t.Indptr[c+1]++
	}
	for c := 0; c < m.Cols; c++ {
		t.Indptr[c+1] += t.Indptr[c]
	}
	fill := append([]int64(nil), t.Indptr[:m.Cols]...)
	for r := 0; r < m.Rows; r++ {
		cols, vals := m.Row(r)
		for j, c := range cols {
			t.Indices[fill[c]] = int32(r)
			t.Values[fill[c]] = vals[j]
			fill[c]++
		}
	}
	return t
}
