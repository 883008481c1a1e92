// CPU element-wise ops, reductions, bias, dropout and AdamW. These are
// memory-bound single passes and run on the calling goroutine.

package tensor

import (
	"fmt"
	"math"

	"embrec/internal/vec"
)

// Fill implements Elementwise.
func (c *CPU) Fill(t *Tensor, v float32) {
	if t.DType() != F32 {
		tmp := make([]float32, t.Len())
		for i := range tmp {
			tmp[i] = v
		}
		c.Upload(t, tmp)
		return
	}
	d := Float32s(t)
	for i := range d {
		d[i] = v
	}
}

// Add implements Elementwise.
func (c *CPU) Add(out, a, b *Tensor) {
	checkSame("Add", out, a, b)
	o, x, y := Float32s(out), Float32s(a), Float32s(b)
	x, y = x[:len(o)], y[:len(o)]
	for i := range o {
		o[i] = x[i] + y[i]
	}
}

// AddScaled implements Elementwise.
func (c *CPU) AddScaled(dst, src *Tensor, s float32) {
	checkSame("AddScaled", dst, src)
	d, x := Float32s(dst), Float32s(src)
	x = x[:len(d)]
	for i := range d {
		d[i] += s * x[i]
	}
}

// Mul implements Elementwise.
func (c *CPU) Mul(out, a, b *Tensor) {
	checkSame("Mul", out, a, b)
	o, x, y := Float32s(out), Float32s(a), Float32s(b)
	x, y = x[:len(o)], y[:len(o)]
	for i := range o {
		o[i] = x[i] * y[i]
	}
}

// Scale implements Elementwise.
func (c *CPU) Scale(t *Tensor, s float32) {
	d := Float32s(t)
	for i := range d {
		d[i] *= s
	}
}

// SumSquares implements Elementwise.
func (c *CPU) SumSquares(t *Tensor) float64 {
	return vec.SumSqF64(Float32s(t))
}

// AddBias implements Elementwise.
func (c *CPU) AddBias(out, bias *Tensor) {
	C := bias.Len()
	if out.Cols() != C {
		panic(fmt.Sprintf("tensor: AddBias: out %v, bias %v", out, bias))
	}
	o, b := Float32s(out), Float32s(bias)
	for r := 0; r < out.Rows(); r++ {
		row := o[r*C : r*C+C]
		for i := range row {
			row[i] += b[i]
		}
	}
}

// BiasBackward implements Elementwise.
func (c *CPU) BiasBackward(dBias, dOut *Tensor) {
	C := dBias.Len()
	if dOut.Cols() != C {
		panic(fmt.Sprintf("tensor: BiasBackward: dOut %v, dBias %v", dOut, dBias))
	}
	db, d := Float32s(dBias), Float32s(dOut)
	for r := 0; r < dOut.Rows(); r++ {
		row := d[r*C : r*C+C]
		for i, v := range row {
			db[i] += v
		}
	}
}

// DropoutForward implements Dropouts.
func (c *CPU) DropoutForward(out, mask, in *Tensor, p float32, seed uint64) {
	checkSame("DropoutForward", out, mask, in)
	if p < 0 || p >= 1 {
		panic(fmt.Sprintf("tensor: dropout probability %v outside [0, 1)", p))
	}
	c.drop = dropJob{o: Float32s(out), m: Float32s(mask), x: Float32s(in), p: p, seed: seed}
	c.pool.parallel(out.Len(), 2, &c.drop) // about a nanosecond an element in AVX2, less in AVX-512
	c.drop = dropJob{}
}

// dropJob is DropoutForward over elements [lo, hi): the mask of element i
// is DropoutUniform(seed, i), whichever worker draws it (dropoutSlice's
// kernels give the scalar loop's bits).
type dropJob struct {
	o, m, x []float32
	p       float32
	seed    uint64
}

func (j *dropJob) run(lo, hi int) {
	dropoutSlice(j.o[lo:hi], j.m[lo:hi], j.x[lo:hi], j.seed, lo, j.p)
}

// DropoutBackward implements Dropouts.
func (c *CPU) DropoutBackward(dIn, dOut, mask *Tensor) { c.Mul(dIn, dOut, mask) }

// AdamW implements Optimizer, in PyTorch's order: decay, moments, then the
// bias-corrected step p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
func (c *CPU) AdamW(param, grad, m, v *Tensor, h AdamWParams) {
	checkSame("AdamW", param, grad, m, v)
	if h.Step < 1 {
		panic("tensor: AdamW step must be >= 1")
	}
	p, g, mm, vv := Float32s(param), Float32s(grad), Float32s(m), Float32s(v)
	bc1 := 1 - math.Pow(float64(h.Beta1), float64(h.Step))
	bc2 := 1 - math.Pow(float64(h.Beta2), float64(h.Step))
	stepSize := float32(float64(h.LR) / bc1)
	bc2Sqrt := float32(math.Sqrt(bc2))
	j := &c.adamw
	*j = adamwJob{p: p, g: g, m: mm, v: vv, k: adamwConsts{b1: h.Beta1, nb1: 1 - h.Beta1, b2: h.Beta2, nb2: 1 - h.Beta2,
		decay: 1 - h.LR*h.WeightDecay, stepSize: stepSize, bc2Sqrt: bc2Sqrt, eps: h.Eps}}
	c.pool.parallel(len(p), 16, j) // elementwise: the split does not change a bit
	*j = adamwJob{}
}

// adamwJob is one AdamW update over the pool.
type adamwJob struct {
	p, g, m, v []float32
	k          adamwConsts
}

func (j *adamwJob) run(lo, hi int) {
	adamwSlice(j.p[lo:hi], j.g[lo:hi], j.m[lo:hi], j.v[lo:hi], &j.k)
}

// adamwConsts are an AdamW step's scalars, laid out for adamwAVX2.
type adamwConsts struct {
	b1, nb1, b2, nb2, decay, stepSize, bc2Sqrt, eps float32
}

// adamwGo is the AdamW update, one element at a time.
func adamwGo(p, g, mm, vv []float32, c *adamwConsts) {
	for i := range p {
		gi := g[i]
		mi := c.b1*mm[i] + c.nb1*gi
		vi := c.b2*vv[i] + c.nb2*gi*gi
		mm[i], vv[i] = mi, vi
		p[i] = p[i]*c.decay - c.stepSize*mi/(float32(math.Sqrt(float64(vi)))/c.bc2Sqrt+c.eps)
	}
}
