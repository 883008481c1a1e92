// CPU rotary position embeddings, both pair layouts.

package tensor

import "fmt"

// rope rotates each HS-sized head of every row of src into dst by the
// angle of the row's position; sign -1 rotates backwards (the gradient).
func rope(dst, src, cosT, sinT *Tensor, pos []int32, interleaved bool, sign float32) {
	checkSame("RoPE", dst, src)
	half := cosT.Cols()
	HS := 2 * half
	N, X := src.Rows(), src.Cols()
	if len(pos) != N || X%HS != 0 || sinT.Len() != cosT.Len() {
		panic(fmt.Sprintf("tensor: RoPE: in %v, cos %v, %d positions", src, cosT, len(pos)))
	}
	d, s, ct, st := Float32s(dst), Float32s(src), Float32s(cosT), Float32s(sinT)
	P := cosT.Rows()
	for r := 0; r < N; r++ {
		p := int(pos[r])
		if p < 0 || p >= P {
			panic(fmt.Sprintf("tensor: RoPE: position %d outside table of %d", p, P))
		}
		cs, sn := ct[p*half:p*half+half], st[p*half:p*half+half]
		for h := 0; h < X; h += HS {
			in := s[r*X+h : r*X+h+HS]
			out := d[r*X+h : r*X+h+HS]
			for i := 0; i < half; i++ {
				i1, i2 := i, i+half
				if interleaved {
					i1, i2 = 2*i, 2*i+1
				}
				c, sv := cs[i], sign*sn[i]
				x1, x2 := in[i1], in[i2]
				out[i1] = x1*c - x2*sv
				out[i2] = x2*c + x1*sv
			}
		}
	}
}

// RoPEForward implements Rotary.
func (c *CPU) RoPEForward(out, in, cos, sin *Tensor, pos []int32, interleaved bool) {
	rope(out, in, cos, sin, pos, interleaved, 1)
}

// RoPEBackward implements Rotary: the transpose of a rotation is the
// rotation by the opposite angle.
func (c *CPU) RoPEBackward(dIn, dOut, cos, sin *Tensor, pos []int32, interleaved bool) {
	rope(dIn, dOut, cos, sin, pos, interleaved, -1)
}
