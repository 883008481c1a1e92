package cuda

// The tensor-core attention (ops_attention.go): the float64 reference
// (attnRef64), the shared case setup and error report of the materialised
// and fused attention tests (attention_gpu_test.go, flash_test.go), and,
// on the host-compiled kernels, the host side's launches (packing shapes,
// the layouts and strides of the six products) and the packing index math.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"embrec/tensor"
	"embrec/tensor/tensortest"
)

// attnBF16RelL2 bounds the relative L2 error of every output of the
// tensor-core attention (out, probs, dq, dk, dv) against float64.
//
// Each product rounds its operands to BF16 (8 significant bits: relative
// error at most u = 2^-8 = 3.9e-3, about u/sqrt(3) = 2.3e-3 RMS for random
// values) and accumulates in float32 (negligible next to it). A product of
// two rounded operands errs by about sqrt(2) * 2.3e-3 = 3.2e-3 RMS of its
// terms; the chains here are at most three products deep (scores -> P ->
// P V; dP -> dS -> dQ = dS K, dK = dS^T Q), and independent errors add in
// quadrature: sqrt(3) * 3.2e-3 = 5.6e-3, plus the cancellation in
// dS = P (dP - rowsum(P dP)), which magnifies the error of dP where the
// row sum nearly cancels it. Measured on the cases below (emulated, with
// the GPU's roundings): 1.1e-3 to 4.7e-3. A wrong head, scale, transpose or mask errs by
// order 1, so 1e-2 separates rounding from bugs; it is the figure of
// PyTorch's bf16 attention tests (atol = rtol = 1e-2).
const attnBF16RelL2 = 1e-2

// attnBF16Tol is the conformance suite's per-element table for the
// tensor-core attention (tensortest.Attention allows each element
// Atol + Rtol*(|ref| + rms(ref))). Single elements err more than the L2
// figure: the suite's heads are small (HS 1 to 20) and its rows short, so
// the rounding errors of a handful of terms do not average out, and
// dS = P (dP - rowsum) cancels. Measured (emulated, same roundings as the
// GPU): worst element 3.4e-2 of its magnitude, 8.6 u; 5e-2 (12.8 u) still
// fails a wrong term, an error of order 1.
var attnBF16Tol = tensortest.Tolerances{"attention": {Atol: 1e-5, Rtol: 5e-2}}

// attnCases: HS = 100 (packed to 104) with GQA (8 query heads on 2
// key/value heads), decoding (Tq = 1 and Tq < Tk), HS a multiple of 8 with
// a group of 4, odd sizes (HS = 6: the scalar packing kernels, where the
// others take the four-column ones); key masks with left padding (a query that sees
// no key included).
var attnCases = []attnShape{
	{B: 2, Tq: 37, Tk: 37, NH: 8, NKV: 2, HS: 100},
	{B: 1, Tq: 1, Tk: 19, NH: 8, NKV: 2, HS: 100},
	{B: 2, Tq: 5, Tk: 21, NH: 4, NKV: 4, HS: 20},
	{B: 3, Tq: 16, Tk: 16, NH: 4, NKV: 1, HS: 64},
	{B: 1, Tq: 9, Tk: 9, NH: 3, NKV: 3, HS: 5},
	{B: 2, Tq: 18, Tk: 18, NH: 3, NKV: 1, HS: 6}, // HS not a multiple of 4: the scalar packing kernels
}

// attnRef64 is attention in float64 from its definition (tensor.Attention):
// out (B, Tq, NH*HS), probs (B, NH, Tq, Tk), and with dOut the gradients.
func attnRef64(s attnShape, q, k, v, dOut []float64, mask []int32) (out, probs, dq, dk, dv []float64) {
	qC, kC, g := s.NH*s.HS, s.NKV*s.HS, s.NH/s.NKV
	out, probs = make([]float64, s.B*s.Tq*qC), make([]float64, s.B*s.NH*s.Tq*s.Tk)
	dq, dk, dv = make([]float64, len(q)), make([]float64, len(k)), make([]float64, len(v))
	scale := 1 / math.Sqrt(float64(s.HS))
	Q := func(b, i, h, d int) int { return (b*s.Tq+i)*qC + h*s.HS + d }
	K := func(b, j, h, d int) int { return (b*s.Tk+j)*kC + (h/g)*s.HS + d }
	dP := make([]float64, s.Tk)
	for b := 0; b < s.B; b++ {
		for h := 0; h < s.NH; h++ {
			for i := 0; i < s.Tq; i++ {
				p := probs[((b*s.NH+h)*s.Tq+i)*s.Tk:][:s.Tk]
				mx, sum := math.Inf(-1), 0.0
				seen := func(j int) bool { return j <= i+s.Tk-s.Tq && (mask == nil || mask[b*s.Tk+j] != 0) }
				for j := range p {
					if seen(j) {
						for d := 0; d < s.HS; d++ {
							p[j] += q[Q(b, i, h, d)] * k[K(b, j, h, d)]
						}
						p[j] *= scale
						mx = math.Max(mx, p[j])
					}
				}
				for j := range p {
					if seen(j) {
						p[j] = math.Exp(p[j] - mx)
						sum += p[j]
					}
				}
				dot := 0.0
				for j := range p {
					if sum > 0 {
						p[j] /= sum
					}
					dP[j] = 0
					for d := 0; d < s.HS; d++ {
						out[Q(b, i, h, d)] += p[j] * v[K(b, j, h, d)]
						dv[K(b, j, h, d)] += p[j] * dOut[Q(b, i, h, d)]
						dP[j] += dOut[Q(b, i, h, d)] * v[K(b, j, h, d)]
					}
					dot += p[j] * dP[j]
				}
				for j := range p {
					ds := p[j] * (dP[j] - dot) * scale
					for d := 0; d < s.HS; d++ {
						dq[Q(b, i, h, d)] += ds * k[K(b, j, h, d)]
						dk[K(b, j, h, d)] += ds * q[Q(b, i, h, d)]
					}
				}
			}
		}
	}
	return
}

// relL2 is ||got - want|| / ||want|| (NaN anywhere: +Inf).
func relL2(got []float32, want []float64) float64 {
	var d, n float64
	for i, w := range want {
		g := float64(got[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return math.Inf(1)
		}
		d += (g - w) * (g - w)
		n += w * w
	}
	if n == 0 {
		return math.Sqrt(d)
	}
	return math.Sqrt(d / n)
}

// attnData is one attention case's inputs, on a backend and in float64.
type attnData struct {
	name           string
	mask           []int32
	q, k, v, dOut  *tensor.Tensor
	qr, kr, vr, dr []float64
}

// newAttnData draws case s (index ci of its list) on b: with masked, a key
// mask where batch bb has its first bb + ci%2 keys padded (with Tq == Tk,
// query 0 then sees none); q, k, v and dOut from rng, in that order.
func newAttnData(b *Backend, rng *rand.Rand, s attnShape, ci int, masked bool) attnData {
	d := attnData{name: fmt.Sprintf("B%d_Tq%d_Tk%d_NH%d_NKV%d_HS%d_mask%v", s.B, s.Tq, s.Tk, s.NH, s.NKV, s.HS, masked)}
	if masked {
		d.mask = make([]int32, s.B*s.Tk)
		for bb := 0; bb < s.B; bb++ {
			for j := 0; j < s.Tk; j++ {
				d.mask[bb*s.Tk+j] = int32(boolInt(j >= bb+ci%2))
			}
		}
	}
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
	qC, kC := s.NH*s.HS, s.NKV*s.HS
	d.q, d.qr = gen(s.B, s.Tq, qC)
	d.k, d.kr = gen(s.B, s.Tk, kC)
	d.v, d.vr = gen(s.B, s.Tk, kC)
	d.dOut, d.dr = gen(s.B, s.Tq, qC)
	return d
}

// nanTensor returns an F32 tensor of NaN: an output every element of
// which must be written.
func nanTensor(b *Backend, shape ...int) *tensor.Tensor {
	x := b.New(tensor.F32, shape...)
	b.Fill(x, float32(math.NaN()))
	return x
}

// randn returns a tensor of dtype dt holding standard normal draws from
// rng (rounded to dt on upload).
func randn(b *Backend, rng *rand.Rand, dt tensor.DType, shape ...int) *tensor.Tensor {
	return fillRandn(b, rng, b.New(dt, shape...))
}

// fillRandn uploads t.Len() standard normal draws from rng into t and
// returns t.
func fillRandn(b *Backend, rng *rand.Rand, t *tensor.Tensor) *tensor.Tensor {
	v := make([]float32, t.Len())
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	b.Upload(t, v)
	return t
}

// relCheck is one output and its float64 reference.
type relCheck struct {
	what string
	got  *tensor.Tensor
	want []float64
}

// checkRelL2 fails the test for each output whose relative L2 error is
// over tol; it returns the errors as a log line and the largest.
func checkRelL2(t *testing.T, b *Backend, name string, tol float64, cs []relCheck) (string, float64) {
	t.Helper()
	line, worst := name+": relative L2 error", 0.0
	for _, c := range cs {
		g := make([]float32, c.got.Len())
		b.Download(g, c.got)
		e := relL2(g, c.want)
		worst = max(worst, e)
		line += fmt.Sprintf(" %s %.2e", c.what, e)
		if !(e <= tol) {
			t.Errorf("%s: %s: relative L2 error %.3e > %.0e", name, c.what, e, tol)
		}
	}
	return line, worst
}

// checkAttention runs forward and backward of every case on b, outputs
// poisoned with NaN first, and compares with attnRef64 (relative L2 at
// most tol). It returns the largest error seen.
func checkAttention(t *testing.T, b *Backend, cases []attnShape, tol float64) float64 {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for ci, s := range cases {
		for _, masked := range []bool{false, true} {
			d := newAttnData(b, rng, s, ci, masked)
			qC, kC := s.NH*s.HS, s.NKV*s.HS
			out, probs := nanTensor(b, s.B, s.Tq, qC), nanTensor(b, s.B, s.NH, s.Tq, s.Tk)
			dq, dk, dv := nanTensor(b, s.B, s.Tq, qC), nanTensor(b, s.B, s.Tk, kC), nanTensor(b, s.B, s.Tk, kC)
			b.AttentionForward(out, probs, d.q, d.k, d.v, d.mask, s.NH, s.NKV)
			b.AttentionBackward(dq, dk, dv, d.dOut, d.q, d.k, d.v, probs, s.NH, s.NKV)
			rOut, rP, rdq, rdk, rdv := attnRef64(s, d.qr, d.kr, d.vr, d.dr, d.mask)
			line, e := checkRelL2(t, b, d.name, tol, []relCheck{{"out", out, rOut}, {"probs", probs, rP},
				{"dq", dq, rdq}, {"dk", dk, rdk}, {"dv", dv, rdv}})
			worst = max(worst, e)
			t.Log(line)
		}
	}
	t.Logf("largest relative L2 error %.2e (tolerance %.0e)", worst, tol)
	return worst
}

// TestAttentionLaunches: the tensor-core attention's products run as the
// BF16 GEMM layouts it means, every packed operand on the GEMM's 16-byte
// path; the float32 path (Options.AttentionF32) packs no heads and stays
// within float32 rounding of float64. On the host-compiled kernels (the
// results on the tensor-core path: TestAttentionBF16GPU).
func TestAttentionLaunches(t *testing.T) {
	b := newHostBackend(t, Options{})
	d := b.dev.(*hostDevice)
	d.record = true
	checkAttention(t, b, attnCases[:2], attnBF16RelL2)
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	// Forward: Q K^T (nt), P V (nn); backward: dO V^T (nt), P^T dO (tn),
	// dS K (nn), dS^T Q (tn), per case and mask.
	// Cases with fewer than attnBF16MinRows query rows run in float32.
	want := []string{"nt", "nn", "nt", "tn", "nn", "tn"}
	nWant := 0
	for _, c := range attnCases[:2] {
		if c.Tq >= attnBF16MinRows {
			nWant += 2 * len(want) // without and with a key mask
		}
	}
	var gemms []hostLaunch
	for _, l := range d.launches {
		if strings.HasPrefix(l.name, "gemm_bf16") || strings.HasPrefix(l.name, "gemm_wgmma") || strings.HasPrefix(l.name, "gemm_tma") {
			gemms = append(gemms, l)
		}
	}
	if len(gemms) != nWant {
		t.Fatalf("%d BF16 GEMM launches, want %d", len(gemms), nWant)
	}
	for i, l := range gemms {
		layout := want[i%len(want)]
		if strings.HasPrefix(l.name, "gemm_tma") { // the default's TMA kernels: operands through tensor maps, no vector flags
			if l.name[len(l.name)-2:] != layout {
				t.Errorf("GEMM %d: %s, want layout %s", i, l.name, layout)
			}
			continue
		}
		vecA, vecB := uint32(l.params[14]) != 0, uint32(l.params[15]) != 0
		if l.name[len(l.name)-2:] != layout || !vecB || (layout == "nt" && !vecA) {
			t.Errorf("GEMM %d: %s vecA %v vecB %v, want layout %s with every packed operand on the 16-byte path",
				i, l.name, vecA, vecB, layout)
		}
	}
	t.Run("F32", func(t *testing.T) {
		b.attnF32 = true
		d.launches = nil
		checkAttention(t, b, attnCases, 1e-5)
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		for _, l := range d.launches {
			if strings.HasPrefix(l.name, "pack_heads") {
				t.Fatalf("AttentionF32 launched %s", l.name)
			}
		}
	})
}

// TestPackIndexMath checks the packing kernels on one element by hand:
// with NH = 4 query heads on NHin = 2 input heads, HS = 3 (HSp = 8),
// packed head 3 of batch 1 at position 2 reads input head 1.
func TestPackIndexMath(t *testing.T) {
	b := newHostBackend(t, Options{})
	const B, T, NH, NHin, HS = 2, 3, 4, 2, 3
	s := attnShape{B: B, Tq: T, Tk: T, NH: NH, NKV: NHin, HS: HS}
	in := make([]float32, B*T*NHin*HS)
	for i := range in {
		in[i] = float32(i)
	}
	x := b.New(tensor.F32, B, T, NHin*HS)
	b.Upload(x, in)
	p := b.packHeads(0, x, s, T, NHin, 0.5)
	if HSp := headPad(HS); HSp != 8 || p.Dim(0) != B*NH || p.Dim(1) != T || p.Dim(2) != HSp {
		t.Fatalf("packed %v", p)
	}
	got := make([]float32, p.Len())
	b.Download(got, p)
	row := got[((1*NH+3)*T+2)*8:][:8]
	base := ((1*T+2)*NHin + 1) * HS // in[b=1, t=2, head 1]
	for d, w := range []float32{0.5 * float32(base), 0.5 * float32(base+1), 0.5 * float32(base+2), 0, 0, 0, 0, 0} {
		if row[d] != w {
			t.Fatalf("packed row %v, want input %d.. halved, zero-padded", row, base)
		}
	}
	// unpack sums the group of 2: twice the packed value, scaled.
	y := b.New(tensor.F32, B, T, NHin*HS)
	pf := b.New(tensor.F32, p.Shape()...)
	b.Copy(pf, p)
	b.unpackHeads(y, pf, s, T, NHin, 1)
	back := make([]float32, y.Len())
	b.Download(back, y)
	for i, v := range back {
		if v != in[i] { // 0.5 * in, summed over a group of two, exact in bf16 for these integers
			t.Fatalf("unpack(pack(x)) [%d] = %v, want %v", i, v, in[i])
		}
	}
	for _, c := range [][2]int{{1, 8}, {8, 8}, {9, 16}, {100, 104}, {128, 128}} {
		if headPad(c[0]) != c[1] {
			t.Errorf("headPad(%d) = %d, want %d", c[0], headPad(c[0]), c[1])
		}
	}
}

// namedRun is one named piece of device work (the benchmarks' cases).
type namedRun struct {
	name string
	run  func()
}

// attentionRuns allocates random (B, T, NH*HS) q, k, v and dOut on be and
// returns the materialised and the fused attention, each a forward then a
// backward over NH query and KV heads, causal, without a key mask.
func attentionRuns(be *Backend, rng *rand.Rand, B, T, NH, HS int) []namedRun {
	rnd := func() *tensor.Tensor { return randn(be, rng, tensor.F32, B, T, NH*HS) }
	q, k, v, dOut := rnd(), rnd(), rnd(), rnd()
	out, dq, dk, dv := be.New(tensor.F32, B, T, NH*HS), be.New(tensor.F32, B, T, NH*HS), be.New(tensor.F32, B, T, NH*HS),
		be.New(tensor.F32, B, T, NH*HS)
	probs, lse := be.New(tensor.F32, B, NH, T, T), be.New(tensor.F32, B, NH, T)
	return []namedRun{
		{"materialised", func() {
			be.AttentionForward(out, probs, q, k, v, nil, NH, NH)
			be.AttentionBackward(dq, dk, dv, dOut, q, k, v, probs, NH, NH)
		}},
		{"flash", func() {
			be.FlashAttentionForward(out, lse, q, k, v, nil, NH, NH)
			be.FlashAttentionBackward(dq, dk, dv, dOut, q, k, v, out, lse, nil, NH, NH)
		}},
	}
}
