// CPU row gather/scatter: token embeddings and the injection of projected
// vectors at placeholder positions.

package tensor

import (
	"fmt"

	"embrec/tensor/half"
)

func rowCheck(op string, rows, n int, ids []int32) {
	if len(ids) != rows {
		panic(fmt.Sprintf("tensor: %s: %d ids for %d rows", op, len(ids), rows))
	}
	for _, id := range ids {
		if id < 0 || int(id) >= n {
			panic(fmt.Sprintf("tensor: %s: id %d outside [0, %d)", op, id, n))
		}
	}
}

// EmbeddingForward implements Embeddings.
func (c *CPU) EmbeddingForward(out, table *Tensor, ids []int32) {
	C := table.Cols()
	if out.Cols() != C {
		panic(fmt.Sprintf("tensor: EmbeddingForward: out %v, table %v", out, table))
	}
	rowCheck("EmbeddingForward", out.Rows(), table.Rows(), ids)
	if table.DType() == BF16 { // a frozen BF16 embedding
		o, t := Float32s(out), halfs(table)
		for i, id := range ids {
			row := o[i*C : i*C+C]
			for j, h := range t[int(id)*C : int(id)*C+C] {
				row[j] = half.BF16ToF32(h)
			}
		}
		return
	}
	o, t := Float32s(out), Float32s(table)
	for i, id := range ids {
		copy(o[i*C:i*C+C], t[int(id)*C:int(id)*C+C])
	}
}

// EmbeddingBackward implements Embeddings.
func (c *CPU) EmbeddingBackward(dTable, dOut *Tensor, ids []int32) {
	C := dTable.Cols()
	if dOut.Cols() != C {
		panic(fmt.Sprintf("tensor: EmbeddingBackward: dOut %v, dTable %v", dOut, dTable))
	}
	rowCheck("EmbeddingBackward", dOut.Rows(), dTable.Rows(), ids)
	dt, d := Float32s(dTable), Float32s(dOut)
	for i, id := range ids {
		row := dt[int(id)*C : int(id)*C+C]
		for j, v := range d[i*C : i*C+C] {
			row[j] += v
		}
	}
}

// ScatterRows implements Embeddings.
func (c *CPU) ScatterRows(dst, src *Tensor, rows []int32) {
	C := dst.Cols()
	if src.Cols() != C {
		panic(fmt.Sprintf("tensor: ScatterRows: dst %v, src %v", dst, src))
	}
	rowCheck("ScatterRows", src.Rows(), dst.Rows(), rows)
	d, s := Float32s(dst), Float32s(src)
	for i, r := range rows {
		copy(d[int(r)*C:int(r)*C+C], s[i*C:i*C+C])
	}
}
