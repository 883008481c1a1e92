// CPU rotary position embeddings, both pair layouts.

package tensor

import "fmt"

// rope rotates each HS-sized head of every row of src into dst by the
// angle of the row's position; sign -1 rotates backwards (the gradient).
func (c *CPU) rope(dst, src, cosT, sinT *Tensor, pos []int32, interleaved bool, sign float32) {
	checkSame("RoPE", dst, src)
	half := cosT.Cols()
	HS := 2 * half
	N, X := src.Rows(), src.Cols()
	if len(pos) != N || X%HS != 0 || sinT.Len() != cosT.Len() {
		panic(fmt.Sprintf("tensor: RoPE: in %v, cos %v, %d positions", src, cosT, len(pos)))
	}
	P := cosT.Rows()
	for _, p := range pos {
		if p < 0 || int(p) >= P {
			panic(fmt.Sprintf("tensor: RoPE: position %d outside table of %d", p, P))
		}
	}
	c.ropeJ = ropeJob{d: Float32s(dst), s: Float32s(src), ct: Float32s(cosT), st: Float32s(sinT), pos: pos,
		half: half, X: X, interleaved: interleaved, sign: sign}
	c.pool.parallel(N, 3*X, &c.ropeJ) // rows are independent: any split gives the same bits
	c.ropeJ = ropeJob{}
}

// ropeJob rotates rows [lo, hi) of one RoPE call.
type ropeJob struct {
	d, s, ct, st []float32
	pos          []int32
	half, X      int
	interleaved  bool
	sign         float32
}

func (j *ropeJob) run(lo, hi int) {
	half, X, HS := j.half, j.X, 2*j.half
	for r := lo; r < hi; r++ {
		p := int(j.pos[r])
		cs, sn := j.ct[p*half:p*half+half], j.st[p*half:p*half+half]
		for h := 0; h < X; h += HS {
			in := j.s[r*X+h : r*X+h+HS]
			out := j.d[r*X+h : r*X+h+HS]
			for i := 0; i < half; i++ {
				i1, i2 := i, i+half
				if j.interleaved {
					i1, i2 = 2*i, 2*i+1
				}
				c, sv := cs[i], j.sign*sn[i]
				x1, x2 := in[i1], in[i2]
				out[i1] = x1*c - x2*sv
				out[i2] = x2*c + x1*sv
			}
		}
	}
}

// RoPEForward implements Rotary.
func (c *CPU) RoPEForward(out, in, cos, sin *Tensor, pos []int32, interleaved bool) {
	c.rope(out, in, cos, sin, pos, interleaved, 1)
}

// RoPEBackward implements Rotary: the transpose of a rotation is the
// rotation by the opposite angle.
func (c *CPU) RoPEBackward(dIn, dOut, cos, sin *Tensor, pos []int32, interleaved bool) {
	c.rope(dIn, dOut, cos, sin, pos, interleaved, -1)
}
