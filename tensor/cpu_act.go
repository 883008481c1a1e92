// CPU activations: SwiGLU (LLaMA's MLP) and GELU (the projectors), split
// over the worker pool in contiguous element ranges.

package tensor

import (
	"fmt"

	"embrec/tensor/half"
)

func sigmoid(x float32) float32 { return 1 / (1 + exp32(-x)) }

const (
	geluC = 0.7978845608028654 // sqrt(2/pi)
	geluK = 0.044715           // the cubic term's coefficient
)

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
	h1, h2     []uint16  // BF16 gate and up of SwiGLU, in place of i1, i2 (forward) or i2, i3 (backward)
	ho1, ho2   []uint16  // BF16 outputs of SwiGLU, in place of o1, o2
}

// bf16Range decodes h (at most len(buf) values) into buf and returns it.
func bf16Range(buf []float32, h []uint16) []float32 {
	buf = buf[:len(h)]
	for i, v := range h {
		buf[i] = half.BF16ToF32(v)
	}
	return buf
}

// swigluForward sets o = silu(g) * u (len(g) <= 256: blocks of
// swigluBlock or of the F32 path).
func swigluForward(o, g, u []float32) {
	var e [256]float32
	expAffine(e[:len(g)], g, -1, 0) // exp32(-x), as sigmoid
	for i, x := range g {
		o[i] = x * (1 / (1 + e[i])) * u[i]
	}
}

// swigluBackward sets dg, du from d for gate g and up u (len(g) <= 256).
func swigluBackward(dg, du, d, g, u []float32) {
	var e [256]float32
	expAffine(e[:len(g)], g, -1, 0)
	n := swigluBackwardVector(dg, du, d, g, u, e[:len(g)])
	swigluBackwardGo(dg[n:], du[n:], d[n:], g[n:], u[n:], e[n:len(g)])
}

// swigluBackwardGo is swigluBackward's arithmetic given e[i] = exp(-g[i]);
// the vector kernels repeat its operations in its order.
func swigluBackwardGo(dg, du, d, g, u, e []float32) {
	for i, x := range g {
		s := 1 / (1 + e[i]) // sigmoid(x)
		dy := d[i]
		dg[i] = dy * u[i] * s * (1 + x*(1-s)) // d/dg silu(g) = s (1 + g (1 - s))
		du[i] = dy * x * s
	}
}

// swigluBlock is SwiGLU over the elements [a, b) (at most 256): BF16
// inputs decoded and BF16 outputs rounded through block buffers.
func (j *actJob) swigluBlock(a, b int) {
	var gb, ub, ob1, ob2 [256]float32
	g, u := j.i1, j.i2 // gate, up
	if j.kind == swigluBwd {
		g, u = j.i2, j.i3
	}
	if j.h1 != nil {
		g, u = bf16Range(gb[:], j.h1[a:b]), bf16Range(ub[:], j.h2[a:b])
	} else {
		g, u = g[a:b], u[a:b]
	}
	o1, o2 := ob1[:b-a], ob2[:b-a]
	if j.ho1 == nil {
		o1 = j.o1[a:b]
		if j.kind == swigluBwd {
			o2 = j.o2[a:b]
		}
	}
	if j.kind == swigluFwd { // o1 = silu(gate) * up
		swigluForward(o1, g, u)
	} else { // o1 = dGate, o2 = dUp from i1 = dOut
		swigluBackward(o1, o2, j.i1[a:b], g, u)
	}
	if j.ho1 != nil {
		half.RoundBF16(j.ho1[a:b], o1)
		if j.kind == swigluBwd {
			half.RoundBF16(j.ho2[a:b], o2)
		}
	}
}

func (j *actJob) run(lo, hi int) {
	switch j.kind {
	case swigluFwd, swigluBwd:
		if j.h1 == nil && j.ho1 == nil { // all float32: in place, 256 at a time
			for a := lo; a < hi; a += 256 {
				b := min(a+256, hi)
				if j.kind == swigluFwd {
					swigluForward(j.o1[a:b], j.i1[a:b], j.i2[a:b])
				} else {
					swigluBackward(j.o1[a:b], j.o2[a:b], j.i1[a:b], j.i2[a:b], j.i3[a:b])
				}
			}
			return
		}
		for a := lo; a < hi; a += 256 {
			j.swigluBlock(a, min(a+256, hi))
		}
	case geluFwd: // o1 = gelu(i1) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
		var tb [256]float32
		for a := lo; a < hi; a += len(tb) {
			o, x := j.o1[a:min(a+len(tb), hi)], j.i1[a:min(a+len(tb), hi)]
			t := geluTanh(tb[:len(x)], x)
			for i, v := range x {
				o[i] = 0.5 * v * (1 + t[i])
			}
		}
	case geluBwd: // o1 = dIn from i1 = dOut, i2 = in
		var tb [256]float32
		for a := lo; a < hi; a += len(tb) {
			b := min(a+len(tb), hi)
			di, d, x := j.o1[a:b], j.i1[a:b], j.i2[a:b]
			t := geluTanh(tb[:len(x)], x)
			for i, v := range x {
				dt := (1 - t[i]*t[i]) * geluC * (1 + 3*0.044715*v*v)
				di[i] = d[i] * (0.5*(1+t[i]) + 0.5*v*dt)
			}
		}
	}
}

// geluTanh sets t[i] = tanh32(sqrt(2/pi) (x + 0.044715 x^3)) for every i,
// bit for bit as the scalar expression, with the exponentials of a block
// in one vectorised expAffine call; it returns t.
func geluTanh(t, x []float32) []float32 {
	t = t[:len(x)]
	for i := geluVector(t, x, false); i < len(x); i++ {
		v := x[i]
		t[i] = 2 * (geluC * (v + geluK*v*v*v)) // tanh32's argument of exp32
	}
	expAffine(t, t, 1, 0)
	for i := geluVector(t, x, true); i < len(x); i++ {
		v := x[i]
		switch u := geluC * (v + geluK*v*v*v); {
		case u > 9:
			t[i] = 1
		case u < -9:
			t[i] = -1
		default:
			t[i] = 1 - 2/(t[i]+1)
		}
	}
	return t
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
	j := actJob{kind: swigluFwd}
	if out.DType() == BF16 {
		j.ho1 = halfs(out)
	} else {
		j.o1 = Float32s(out)
	}
	if bf16Pair("SwiGLUForward", gate, up) {
		j.h1, j.h2 = halfs(gate), halfs(up)
	} else {
		j.i1, j.i2 = Float32s(gate), Float32s(up)
	}
	c.activation(j, out.Len())
}

// SwiGLUBackward implements Activations.
func (c *CPU) SwiGLUBackward(dGate, dUp, dOut, gate, up *Tensor) {
	checkSame("SwiGLUBackward", dGate, dUp, dOut, gate, up)
	j := actJob{kind: swigluBwd, i1: Float32s(dOut)}
	if bf16Pair("SwiGLUBackward (dGate, dUp)", dGate, dUp) {
		j.ho1, j.ho2 = halfs(dGate), halfs(dUp)
	} else {
		j.o1, j.o2 = Float32s(dGate), Float32s(dUp)
	}
	if bf16Pair("SwiGLUBackward", gate, up) {
		j.h1, j.h2 = halfs(gate), halfs(up)
	} else {
		j.i2, j.i3 = Float32s(gate), Float32s(up)
	}
	c.activation(j, dOut.Len())
}

// bf16Pair reports whether SwiGLU's gate and up are BF16 (else both must
// be F32).
func bf16Pair(op string, gate, up *Tensor) bool {
	if gate.DType() != up.DType() || (gate.DType() != BF16 && gate.DType() != F32) {
		panic(fmt.Sprintf("tensor: %s: gate %v and up %v must be both F32 or both BF16", op, gate, up))
	}
	return gate.DType() == BF16
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
