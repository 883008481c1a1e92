// CPU activations: SwiGLU (LLaMA's MLP) and GELU (the projectors), split
// over the worker pool in contiguous element ranges.

package tensor

func sigmoid(x float32) float32 { return 1 / (1 + exp32(-x)) }

const geluC = 0.7978845608028654 // sqrt(2/pi)

type actKind uint8

const (
	swigluFwd actKind = iota
	swigluBwd
	geluFwd
	geluBwd
)

// actJob is one element-wise activation pass; which slices are set
// depends on kind (see the cases of run).
type actJob struct {
	kind       actKind
	o1, o2     []float32 // outputs
	i1, i2, i3 []float32 // inputs
}

func (j *actJob) run(lo, hi int) {
	switch j.kind {
	case swigluFwd: // o1 = silu(i1) * i2
		o, g, u := j.o1[lo:hi], j.i1[lo:hi], j.i2[lo:hi]
		for i, x := range g {
			o[i] = x * sigmoid(x) * u[i]
		}
	case swigluBwd: // o1 = dGate, o2 = dUp from i1 = dOut, i2 = gate, i3 = up
		dg, du, d, g, u := j.o1[lo:hi], j.o2[lo:hi], j.i1[lo:hi], j.i2[lo:hi], j.i3[lo:hi]
		for i, x := range g {
			s := sigmoid(x)
			dy := d[i]
			dg[i] = dy * u[i] * s * (1 + x*(1-s)) // d/dg silu(g) = s (1 + g (1 - s))
			du[i] = dy * x * s
		}
	case geluFwd: // o1 = gelu(i1) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
		o, x := j.o1[lo:hi], j.i1[lo:hi]
		for i, v := range x {
			o[i] = 0.5 * v * (1 + tanh32(geluC*(v+0.044715*v*v*v)))
		}
	case geluBwd: // o1 = dIn from i1 = dOut, i2 = in
		di, d, x := j.o1[lo:hi], j.i1[lo:hi], j.i2[lo:hi]
		for i, v := range x {
			t := tanh32(geluC * (v + 0.044715*v*v*v))
			dt := (1 - t*t) * geluC * (1 + 3*0.044715*v*v)
			di[i] = d[i] * (0.5*(1+t) + 0.5*v*dt)
		}
	}
}

// activation runs j over n elements on the pool.
func (c *CPU) activation(j actJob, n int) {
	c.act = j
	c.pool.parallel(n, 16, &c.act)
	c.act = actJob{}
}

// SwiGLUForward implements Activations.
func (c *CPU) SwiGLUForward(out, gate, up *Tensor) {
	checkSame("SwiGLUForward", out, gate, up)
	c.activation(actJob{kind: swigluFwd, o1: Float32s(out), i1: Float32s(gate), i2: Float32s(up)}, out.Len())
}

// SwiGLUBackward implements Activations.
func (c *CPU) SwiGLUBackward(dGate, dUp, dOut, gate, up *Tensor) {
	checkSame("SwiGLUBackward", dGate, dUp, dOut, gate, up)
	c.activation(actJob{kind: swigluBwd, o1: Float32s(dGate), o2: Float32s(dUp),
		i1: Float32s(dOut), i2: Float32s(gate), i3: Float32s(up)}, dOut.Len())
}

// GELUForward implements Activations (tanh approximation).
func (c *CPU) GELUForward(out, in *Tensor) {
	checkSame("GELUForward", out, in)
	c.activation(actJob{kind: geluFwd, o1: Float32s(out), i1: Float32s(in)}, out.Len())
}

// GELUBackward implements Activations.
func (c *CPU) GELUBackward(dIn, dOut, in *Tensor) {
	checkSame("GELUBackward", dIn, dOut, in)
	c.activation(actJob{kind: geluBwd, o1: Float32s(dIn), i1: Float32s(dOut), i2: Float32s(in)}, dIn.Len())
}
