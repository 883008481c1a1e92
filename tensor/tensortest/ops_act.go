// SwiGLU and GELU conformance, forward and backward.

package tensortest

import (
	"fmt"
	"math"
	"testing"

	"embrec/tensor"
)

func silu(x float64) float64 { return x / (1 + math.Exp(-x)) }

func gelu(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

var actSizes = []int{0, 1, 7, 1000}

// SwiGLU checks out = silu(gate) * up and its gradients, with gate and
// up in float32 and in BF16 (their values rounded, the reference computed
// from the rounded values), and that BF16 outputs hold the backend's own
// float32 outputs rounded to nearest even, bit for bit, as do
// SwiGLUForwardSave's outputs and saved copies.
func SwiGLU(t *testing.T, b tensor.Backend, tol Tolerances) {
	for _, dt := range []tensor.DType{tensor.F32, tensor.BF16} {
		for _, n := range actSizes {
			swiglu(t, b, tol, dt, n)
		}
	}
}

func swiglu(t *testing.T, b tensor.Backend, tol Tolerances, dt tensor.DType, n int) {
	{
		e := newEnv(t, b, tol, uint64(n))
		gv, uv, dv := e.randn(n), e.randn(n), e.randn(n)
		for i := range gv {
			gv[i] *= 3
		}
		g, u, out := e.tensor("gate", gv, n), e.tensor("up", uv, n), e.tensor("out", nil, n)
		if dt == tensor.BF16 {
			gv, uv = roundBF16(gv), roundBF16(uv)
			g, u = e.tensorAs(dt, g), e.tensorAs(dt, u)
		}
		e.b.SwiGLUForward(out, g, u)
		fwd := func() []float64 {
			o := make([]float64, n)
			for i := range o {
				o[i] = silu(gv[i]) * uv[i]
			}
			return o
		}
		e.compare(fmt.Sprintf("SwiGLUForward %v n%d", dt, n), "activation", e.read(out), fwd(), nil)
		d, dg, du := e.tensor("dOut", dv, n), e.tensor("dGate", nil, n), e.tensor("dUp", nil, n)
		e.b.SwiGLUBackward(dg, du, d, g, u)
		refG, refU := make([]float64, n), make([]float64, n)
		for i := range refG {
			s := 1 / (1 + math.Exp(-gv[i]))
			refG[i] = dv[i] * uv[i] * s * (1 + gv[i]*(1-s))
			refU[i] = dv[i] * silu(gv[i])
		}
		e.compare(fmt.Sprintf("SwiGLUBackward %v dGate n%d", dt, n), "activation", e.read(dg), refG, nil)
		e.compare(fmt.Sprintf("SwiGLUBackward %v dUp n%d", dt, n), "activation", e.read(du), refU, nil)
		outB, dgB, duB := e.b.New(tensor.BF16, n), e.b.New(tensor.BF16, n), e.b.New(tensor.BF16, n)
		e.b.SwiGLUForward(outB, g, u)
		e.b.SwiGLUBackward(dgB, duB, d, g, u)
		e.sameBits(fmt.Sprintf("SwiGLUForward %v, BF16 out, n%d", dt, n), e.read(outB), roundBF16(e.read(out)))
		e.sameBits(fmt.Sprintf("SwiGLUBackward %v, BF16 dGate, n%d", dt, n), e.read(dgB), roundBF16(e.read(dg)))
		e.sameBits(fmt.Sprintf("SwiGLUBackward %v, BF16 dUp, n%d", dt, n), e.read(duB), roundBF16(e.read(du)))
		if dt == tensor.F32 { // the forward that saves gate and up in BF16 (tensor.FusedCopies or its fallback)
			for _, odt := range []tensor.DType{tensor.F32, tensor.BF16} {
				o, gs, us := e.b.New(odt, n), e.b.New(tensor.BF16, n), e.b.New(tensor.BF16, n)
				tensor.Copies(e.b).SwiGLUForwardSave(o, gs, us, g, u)
				want := e.read(out)
				if odt == tensor.BF16 {
					want = roundBF16(want)
				}
				e.sameBits(fmt.Sprintf("SwiGLUForwardSave, %v out, n%d", odt, n), e.read(o), want)
				e.sameBits(fmt.Sprintf("SwiGLUForwardSave, gate saved, n%d", n), e.read(gs), roundBF16(gv))
				e.sameBits(fmt.Sprintf("SwiGLUForwardSave, up saved, n%d", n), e.read(us), roundBF16(uv))
			}
		}
		if dt == tensor.F32 {
			loss := func() float64 { return dot(dv, fwd()) }
			e.fdCheck("SwiGLU dGate", gv, refG, loss, 3)
			e.fdCheck("SwiGLU dUp", uv, refU, loss, 3)
		}
		e.checkPadding()
	}
}

// GELU checks the tanh-approximated GELU and its gradient.
func GELU(t *testing.T, b tensor.Backend, tol Tolerances) {
	for _, n := range actSizes {
		e := newEnv(t, b, tol, uint64(n)+7)
		xv, dv := e.randn(n), e.randn(n)
		for i := range xv {
			xv[i] *= 3
		}
		x, out := e.tensor("in", xv, n), e.tensor("out", nil, n)
		e.b.GELUForward(out, x)
		fwd := func() []float64 {
			o := make([]float64, n)
			for i := range o {
				o[i] = gelu(xv[i])
			}
			return o
		}
		// 1 + tanh cancels for negative inputs: the error scales with |x|,
		// the size of the terms before cancellation, not with |gelu(x)|.
		e.compare(fmt.Sprintf("GELUForward n%d", n), "activation", e.read(out), fwd(), abs(xv))
		d, dx := e.tensor("dOut", dv, n), e.tensor("dIn", nil, n)
		e.b.GELUBackward(dx, d, x)
		ref, mag := make([]float64, n), make([]float64, n)
		for i := range ref {
			v := xv[i]
			c := math.Sqrt(2 / math.Pi)
			th := math.Tanh(c * (v + 0.044715*v*v*v))
			ref[i] = dv[i] * (0.5*(1+th) + 0.5*v*(1-th*th)*c*(1+3*0.044715*v*v))
			mag[i] = math.Abs(dv[i]) * (1 + math.Abs(v)*c*(1+3*0.044715*v*v)) // terms before 1-t^2 cancels
		}
		e.compare(fmt.Sprintf("GELUBackward n%d", n), "activation", e.read(dx), ref, mag)
		e.fdCheck("GELU dIn", xv, ref, func() float64 { return dot(dv, fwd()) }, 3)
		e.checkPadding()
	}
}
