// Embedding gather, its scatter-add backward, and ScatterRows.

package tensortest

import (
	"fmt"
	"testing"

	"embrec/tensor"
)

// Embedding checks EmbeddingForward, EmbeddingBackward and ScatterRows.
func Embedding(t *testing.T, b tensor.Backend, tol Tolerances) {
	for _, sz := range [][3]int{{1, 1, 0}, {11, 7, 9}, {3, 130, 20}, {5, 0, 4}} {
		V, C, N := sz[0], sz[1], sz[2]
		name := fmt.Sprintf("V%d_C%d_N%d", V, C, N)
		e := newEnv(t, b, tol, uint64(V*C+N))
		tv := e.randn(V * C)
		ids := make([]int32, N)
		for i := range ids {
			ids[i] = int32(e.rng.IntN(V)) // repeats exercise accumulation
		}
		table, out := e.tensor("table", tv, V, C), e.tensor("out", nil, N, C)
		e.b.EmbeddingForward(out, table, ids)
		ref := make([]float64, N*C)
		for i, id := range ids {
			copy(ref[i*C:], tv[int(id)*C:int(id)*C+C])
		}
		e.compare("EmbeddingForward "+name, "elementwise", e.read(out), ref, nil)

		dv, dt0 := e.randn(N*C), e.randn(V*C)
		d, dt := e.tensor("dOut", dv, N, C), e.tensor("dTable", dt0, V, C)
		e.b.EmbeddingBackward(dt, d, ids)
		refDt := append([]float64(nil), dt0...)
		mag := abs(dt0)
		for i, id := range ids {
			for j := 0; j < C; j++ {
				refDt[int(id)*C+j] += dv[i*C+j]
				mag[int(id)*C+j] += abs1(dv[i*C+j])
			}
		}
		e.compare("EmbeddingBackward "+name, "elementwise", e.read(dt), refDt, mag)

		rows := e.rng.Perm(V)[:min(V, N)]
		rows32 := make([]int32, len(rows))
		for i, r := range rows {
			rows32[i] = int32(r)
		}
		sv := e.randn(len(rows) * C)
		dst, src := e.tensor("dst", tv, V, C), e.tensor("src", sv, len(rows), C)
		e.b.ScatterRows(dst, src, rows32)
		refS := append([]float64(nil), tv...)
		for i, r := range rows {
			copy(refS[r*C:r*C+C], sv[i*C:i*C+C])
		}
		e.compare("ScatterRows "+name, "elementwise", e.read(dst), refS, nil)
		e.checkPadding()
	}
}
