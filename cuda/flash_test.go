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
			d := newAttnData(b, rng, s, ci, masked)
			name, mask, q, k, v, dOut := d.name, d.mask, d.q, d.k, d.v, d.dOut
			qC, kC := s.NH*s.HS, s.NKV*s.HS
			out, lse := nanTensor(b, s.B, s.Tq, qC), nanTensor(b, s.B, s.NH, s.Tq)
			dq, dk, dv := nanTensor(b, s.B, s.Tq, qC), nanTensor(b, s.B, s.Tk, kC), nanTensor(b, s.B, s.Tk, kC)
			b.FlashAttentionForward(out, lse, q, k, v, mask, s.NH, s.NKV)
			b.FlashAttentionBackward(dq, dk, dv, dOut, q, k, v, out, lse, mask, s.NH, s.NKV)
			rOut, _, rdq, rdk, rdv := attnRef64(s, d.qr, d.kr, d.vr, d.dr, mask)
			rLSE := tensortest.AttentionLSE(s.B, s.Tq, s.Tk, s.NH, s.NKV, s.HS, d.qr, d.kr, mask)
			line, e := checkRelL2(t, b, name, attnBF16RelL2, []relCheck{{"out", out, rOut}, {"dq", dq, rdq},
				{"dk", dk, rdk}, {"dv", dv, rdv}})
			worst = max(worst, e)
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
			out2, lse2 := nanTensor(b, s.B, s.Tq, qC), nanTensor(b, s.B, s.NH, s.Tq)
			dq2, dk2, dv2 := nanTensor(b, s.B, s.Tq, qC), nanTensor(b, s.B, s.Tk, kC), nanTensor(b, s.B, s.Tk, kC)
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
