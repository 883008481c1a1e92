// The fused attention (kernels/flash.cu) against float64: every case of
// attnCases (GQA, decoding shapes, left-padded key masks with a query that
// sees no key, odd head sizes) plus a training shape (T = 256, several key
// blocks, causal skipping), Tq < Tk across block edges, and the largest
// head size. Outputs start as NaN, so every element must be written; BF16
// copies of q, k and v must give the same bits as the float32 ones.

package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
	"embrec/tensor/tensortest"
)

// flashCases: attnCases, a training shape, and edges of the kernels' tiles.
var flashCases = append([]attnShape{
	{B: 2, Tq: 256, Tk: 256, NH: 8, NKV: 2, HS: 100},
	{B: 1, Tq: 70, Tk: 130, NH: 2, NKV: 1, HS: flashHeadSize},
	{B: 2, Tq: 65, Tk: 65, NH: 2, NKV: 2, HS: 7},
}, attnCases...)

func TestFlashAttention(t *testing.T) {
	b := newTestBackend(t)
	rng := rand.New(rand.NewPCG(13, 14))
	worst := 0.0
	for ci, s := range flashCases {
		for _, masked := range []bool{false, true} {
			name := fmt.Sprintf("B%d_Tq%d_Tk%d_NH%d_NKV%d_HS%d_mask%v", s.B, s.Tq, s.Tk, s.NH, s.NKV, s.HS, masked)
			var mask []int32
			if masked { // batch b has its first b + ci%2 keys padded
				mask = make([]int32, s.B*s.Tk)
				for bb := 0; bb < s.B; bb++ {
					for j := 0; j < s.Tk; j++ {
						mask[bb*s.Tk+j] = int32(boolInt(j >= bb+ci%2))
					}
				}
			}
			qC, kC := s.NH*s.HS, s.NKV*s.HS
			gen := func(shape ...int) (*tensor.Tensor, []float64) {
				x := b.New(tensor.F32, shape...)
				h, r := make([]float32, x.Len()), make([]float64, x.Len())
				for i := range h {
					h[i] = float32(rng.NormFloat64())
					r[i] = float64(h[i])
				}
				b.Upload(x, h)
				return x, r
			}
			nan := func(shape ...int) *tensor.Tensor {
				x := b.New(tensor.F32, shape...)
				b.Fill(x, float32(math.NaN()))
				return x
			}
			q, qr := gen(s.B, s.Tq, qC)
			k, kr := gen(s.B, s.Tk, kC)
			v, vr := gen(s.B, s.Tk, kC)
			dOut, dr := gen(s.B, s.Tq, qC)
			out, lse := nan(s.B, s.Tq, qC), nan(s.B, s.NH, s.Tq)
			dq, dk, dv := nan(s.B, s.Tq, qC), nan(s.B, s.Tk, kC), nan(s.B, s.Tk, kC)
			b.FlashAttentionForward(out, lse, q, k, v, mask, s.NH, s.NKV)
			b.FlashAttentionBackward(dq, dk, dv, dOut, q, k, v, out, lse, mask, s.NH, s.NKV)
			rOut, _, rdq, rdk, rdv := attnRef64(s, qr, kr, vr, dr, mask)
			rLSE := tensortest.AttentionLSE(s.B, s.Tq, s.Tk, s.NH, s.NKV, s.HS, qr, kr, mask)
			line := name + ": relative L2 error"
			for _, c := range []struct {
				what string
				got  *tensor.Tensor
				want []float64
			}{{"out", out, rOut}, {"dq", dq, rdq}, {"dk", dk, rdk}, {"dv", dv, rdv}} {
				g := make([]float32, c.got.Len())
				b.Download(g, c.got)
				e := relL2(g, c.want)
				worst = max(worst, e)
				line += fmt.Sprintf(" %s %.2e", c.what, e)
				if !(e <= attnBF16RelL2) {
					t.Errorf("%s: %s: relative L2 error %.3e > %.0e", name, c.what, e, attnBF16RelL2)
				}
			}
			// lse: -Inf exactly where the reference is, else within BF16
			// rounding of the scores (absolute: the scores are O(1)).
			g := make([]float32, lse.Len())
			b.Download(g, lse)
			lseErr := 0.0
			for i, w := range rLSE {
				switch {
				case math.IsInf(w, -1) != math.IsInf(float64(g[i]), -1):
					t.Fatalf("%s: lse[%d] = %v, want %v", name, i, g[i], w)
				case !math.IsInf(w, -1):
					lseErr = max(lseErr, math.Abs(float64(g[i])-w))
				}
			}
			line += fmt.Sprintf(" lse (absolute) %.2e", lseErr)
			if !(lseErr <= 0.05) {
				t.Errorf("%s: lse off by %.3e", name, lseErr)
			}
			t.Log(line)
			// BF16 copies of q, k, v (what a Run saves under SaveBF16) give the
			// same bits: the kernels round float32 inputs the same way.
			bf := func(x *tensor.Tensor) *tensor.Tensor {
				y := b.New(tensor.BF16, x.Shape()...)
				b.Copy(y, x)
				return y
			}
			qb, kb, vb := bf(q), bf(k), bf(v)
			out2, lse2 := nan(s.B, s.Tq, qC), nan(s.B, s.NH, s.Tq)
			dq2, dk2, dv2 := nan(s.B, s.Tq, qC), nan(s.B, s.Tk, kC), nan(s.B, s.Tk, kC)
			b.FlashAttentionForward(out2, lse2, qb, kb, vb, mask, s.NH, s.NKV)
			b.FlashAttentionBackward(dq2, dk2, dv2, dOut, qb, kb, vb, out2, lse2, mask, s.NH, s.NKV)
			for _, c := range [][2]*tensor.Tensor{{out, out2}, {lse, lse2}, {dq, dq2}, {dk, dk2}, {dv, dv2}} {
				x, y := make([]float32, c[0].Len()), make([]float32, c[1].Len())
				b.Download(x, c[0])
				b.Download(y, c[1])
				for i := range x {
					if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
						t.Fatalf("%s: BF16 inputs: element %d is %v, %v with float32 inputs", name, i, y[i], x[i])
					}
				}
			}
		}
	}
	t.Logf("largest relative L2 error %.2e (tolerance %.0e)", worst, attnBF16RelL2)
	t.Run("suite", func(t *testing.T) { tensortest.FlashAttention(t, b, attnBF16Tol) })
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}
