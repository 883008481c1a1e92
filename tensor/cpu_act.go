// CPU activations: SwiGLU (LLaMA's MLP) and GELU (the projectors).

package tensor

func sigmoid(x float32) float32 { return 1 / (1 + exp32(-x)) }

// SwiGLUForward implements Activations.
func (c *CPU) SwiGLUForward(out, gate, up *Tensor) {
	checkSame("SwiGLUForward", out, gate, up)
	o, g, u := Float32s(out), Float32s(gate), Float32s(up)
	for i := range o {
		x := g[i]
		o[i] = x * sigmoid(x) * u[i]
	}
}

// SwiGLUBackward implements Activations. With s = sigmoid(g):
// d/dg silu(g) = s * (1 + g*(1-s)).
func (c *CPU) SwiGLUBackward(dGate, dUp, dOut, gate, up *Tensor) {
	checkSame("SwiGLUBackward", dGate, dUp, dOut, gate, up)
	dg, du, d, g, u := Float32s(dGate), Float32s(dUp), Float32s(dOut), Float32s(gate), Float32s(up)
	for i := range d {
		x := g[i]
		s := sigmoid(x)
		silu := x * s
		dy := d[i]
		dg[i] = dy * u[i] * s * (1 + x*(1-s))
		du[i] = dy * silu
	}
}

const geluC = 0.7978845608028654 // sqrt(2/pi)

// GELUForward implements Activations:
// gelu(x) = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
func (c *CPU) GELUForward(out, in *Tensor) {
	checkSame("GELUForward", out, in)
	o, x := Float32s(out), Float32s(in)
	for i := range o {
		v := x[i]
		o[i] = 0.5 * v * (1 + tanh32(geluC*(v+0.044715*v*v*v)))
	}
}

// GELUBackward implements Activations.
func (c *CPU) GELUBackward(dIn, dOut, in *Tensor) {
	checkSame("GELUBackward", dIn, dOut, in)
	di, d, x := Float32s(dIn), Float32s(dOut), Float32s(in)
	for i := range di {
		v := x[i]
		t := tanh32(geluC * (v + 0.044715*v*v*v))
		dt := (1 - t*t) * geluC * (1 + 3*0.044715*v*v)
		di[i] = d[i] * (0.5*(1+t) + 0.5*v*dt)
	}
}
