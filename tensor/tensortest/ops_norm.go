// RMSNorm and RoPE conformance, forward and backward.

package tensortest

import (
	"fmt"
	"math"
	"testing"

	"embrec/tensor"
)

func sqrt(x float64) float64 { return math.Sqrt(x) }
func abs1(x float64) float64 { return math.Abs(x) }

// rmsRef is RMSNorm in float64: out, rstd.
func rmsRef(x, w []float64, N, C int, eps float64) (out, rstd []float64) {
	out, rstd = make([]float64, N*C), make([]float64, N)
	for r := 0; r < N; r++ {
		ss := 0.0
		for i := 0; i < C; i++ {
			ss += x[r*C+i] * x[r*C+i]
		}
		rstd[r] = 1 / math.Sqrt(ss/float64(C)+eps)
		for i := 0; i < C; i++ {
			out[r*C+i] = w[i] * x[r*C+i] * rstd[r]
		}
	}
	return out, rstd
}

// rmsBackRef returns dx and dw of L = <dOut, RMSNorm(x, w)>.
func rmsBackRef(d, x, w []float64, N, C int, eps float64) (dx, dw []float64) {
	_, rstd := rmsRef(x, w, N, C, eps)
	dx, dw = make([]float64, N*C), make([]float64, C)
	for r := 0; r < N; r++ {
		s := 0.0
		for i := 0; i < C; i++ {
			s += d[r*C+i] * w[i] * x[r*C+i]
		}
		r3 := rstd[r] * rstd[r] * rstd[r]
		for i := 0; i < C; i++ {
			dx[r*C+i] = rstd[r]*d[r*C+i]*w[i] - x[r*C+i]*r3*s/float64(C)
			dw[i] += d[r*C+i] * x[r*C+i] * rstd[r]
		}
	}
	return dx, dw
}

// RMSNorm checks RMSNormForward and RMSNormBackward.
func RMSNorm(t *testing.T, b tensor.Backend, tol Tolerances) {
	const eps = 1e-5
	for _, N := range []int{0, 1, 3, 17} {
		for _, C := range []int{1, 5, 64, 131} {
			e := newEnv(t, b, tol, uint64(N*1000+C))
			name := fmt.Sprintf("N%d_C%d", N, C)
			xv, wv, dv, dw0 := e.randn(N*C), e.uniform(C, 0.5, 1.5), e.randn(N*C), e.randn(C)
			x, w := e.tensor("in", xv, N, C), e.tensor("weight", wv, C)
			out, rstd := e.tensor("out", nil, N, C), e.tensor("rstd", nil, N)
			e.b.RMSNormForward(out, rstd, x, w, eps)
			refOut, refRstd := rmsRef(xv, wv, N, C, eps)
			e.compare("RMSNormForward out "+name, "norm", e.read(out), refOut, nil)
			e.compare("RMSNormForward rstd "+name, "norm", e.read(rstd), refRstd, nil)
			// With its BF16 copy (tensor.FusedCopies or its fallback): the
			// same out and rstd bit for bit, the copy rounded to nearest even.
			out2, rstd2, cp := e.tensor("out (copy)", nil, N, C), e.tensor("rstd (copy)", nil, N), e.b.New(tensor.BF16, N, C)
			tensor.Copies(e.b).RMSNormForwardCopy(out2, cp, rstd2, x, w, eps)
			e.sameBits("RMSNormForwardCopy out "+name, e.read(out2), e.read(out))
			e.sameBits("RMSNormForwardCopy rstd "+name, e.read(rstd2), e.read(rstd))
			e.sameBits("RMSNormForwardCopy copy "+name, e.read(cp), roundBF16(e.read(out)))

			dOut, dx, dw := e.tensor("dOut", dv, N, C), e.tensor("dIn", nil, N, C), e.tensor("dWeight", dw0, C)
			e.b.RMSNormBackward(dx, dw, dOut, x, w, rstd)
			refDx, refDw := rmsBackRef(dv, xv, wv, N, C, eps)
			e.compare("RMSNormBackward dIn "+name, "norm", e.read(dx), refDx, rmsScale(refDx))
			accDw := make([]float64, C)
			for i := range accDw {
				accDw[i] = dw0[i] + refDw[i] // parameter gradients accumulate
			}
			e.compare("RMSNormBackward dWeight "+name, "norm", e.read(dw), accDw, rmsScale(accDw))
			// Frozen weight: no dWeight, dIn still right.
			dx2 := e.tensor("dIn frozen", nil, N, C)
			e.b.RMSNormBackward(dx2, nil, dOut, x, w, rstd)
			e.compare("RMSNormBackward frozen dIn "+name, "norm", e.read(dx2), refDx, rmsScale(refDx))

			// The residual form (tensor.FusedCopies or its fallback):
			// the backend's own dIn added to dRes, bit for bit, with the BF16
			// copy rounded to nearest even and dWeight accumulated again.
			rv := e.randn(N * C)
			for _, withCopy := range []bool{false, true} {
				dRes, scratch := e.tensor("dRes", rv, N, C), e.tensor("scratch", nil, N, C)
				var cp *tensor.Tensor
				if withCopy {
					cp = e.b.New(tensor.BF16, N, C)
				}
				dw2 := e.tensor("dWeight (add)", dw0, C)
				tensor.Copies(e.b).RMSNormBackwardAdd(scratch, dRes, cp, dw2, dOut, x, w, rstd)
				got, dIn := e.read(dRes), e.read(dx2)
				want := make([]float64, N*C)
				for i := range want {
					want[i] = float64(float32(rv[i]) + float32(dIn[i]))
				}
				tag := fmt.Sprintf("RMSNormBackwardAdd copy %v %s", withCopy, name)
				e.sameBits(tag+" dRes", got, want)
				if withCopy {
					e.sameBits(tag+" copy", e.read(cp), roundBF16(got))
				}
				e.sameBits(tag+" dWeight", e.read(dw2), e.read(dw))
			}

			loss := func() float64 { o, _ := rmsRef(xv, wv, N, C, eps); return dot(dv, o) }
			e.fdCheck("RMSNorm dIn "+name, xv, refDx, loss, 3)
			e.fdCheck("RMSNorm dWeight "+name, wv, refDw, loss, 3)
			e.checkPadding()
		}
	}
}

// ropeRef rotates each head of x by its row's angle (sign -1: backwards).
func ropeRef(x, cos, sin []float64, pos []int32, N, X, HS int, inter bool, sign float64) []float64 {
	half := HS / 2
	out := make([]float64, len(x))
	for r := 0; r < N; r++ {
		for h := 0; h < X; h += HS {
			for i := 0; i < half; i++ {
				i1, i2 := r*X+h+i, r*X+h+i+half
				if inter {
					i1, i2 = r*X+h+2*i, r*X+h+2*i+1
				}
				c, s := cos[int(pos[r])*half+i], sign*sin[int(pos[r])*half+i]
				out[i1] = x[i1]*c - x[i2]*s
				out[i2] = x[i2]*c + x[i1]*s
			}
		}
	}
	return out
}

// RoPE checks RoPETable, RoPEForward and RoPEBackward in both layouts.
func RoPE(t *testing.T, b tensor.Backend, tol Tolerances) {
	const P, theta = 50, 10000.0
	for _, HS := range []int{2, 8, 20} {
		e := newEnv(t, b, tol, uint64(HS))
		cosT, sinT := tensor.RoPETable(b, P, HS, theta)
		cv, sv := e.read(cosT), e.read(sinT)
		half := HS / 2
		refC, refS := make([]float64, P*half), make([]float64, P*half)
		for p := 0; p < P; p++ {
			for i := 0; i < half; i++ {
				inv := float64(float32(math.Pow(theta, -float64(2*i)/float64(HS))))
				refC[p*half+i], refS[p*half+i] = math.Cos(float64(p)*inv), math.Sin(float64(p)*inv)
			}
		}
		e.compare(fmt.Sprintf("RoPETable cos HS%d", HS), "rope", cv, refC, nil)
		e.compare(fmt.Sprintf("RoPETable sin HS%d", HS), "rope", sv, refS, nil)
		for _, N := range []int{0, 1, 7} {
			for _, heads := range []int{1, 3} {
				for _, inter := range []bool{false, true} {
					name := fmt.Sprintf("HS%d_N%d_heads%d_interleaved%v", HS, N, heads, inter)
					X := heads * HS
					pos := make([]int32, N)
					for i := range pos {
						pos[i] = int32(e.rng.IntN(P))
					}
					xv, dv := e.randn(N*X), e.randn(N*X)
					x, out := e.tensor("in", xv, N, X), e.tensor("out", nil, N, X)
					e.b.RoPEForward(out, x, cosT, sinT, pos, inter)
					e.compare("RoPEForward "+name, "rope", e.read(out), ropeRef(xv, cv, sv, pos, N, X, HS, inter, 1), nil)
					d, dx := e.tensor("dOut", dv, N, X), e.tensor("dIn", nil, N, X)
					e.b.RoPEBackward(dx, d, cosT, sinT, pos, inter)
					refDx := ropeRef(dv, cv, sv, pos, N, X, HS, inter, -1)
					e.compare("RoPEBackward "+name, "rope", e.read(dx), refDx, rmsScale(refDx))
					// With its BF16 copy (tensor.FusedCopies or its fallback): the same
					// dIn bit for bit, the copy rounded to nearest even.
					dx2, cp := e.tensor("dIn (copy)", nil, N, X), e.b.New(tensor.BF16, N, X)
					tensor.Copies(e.b).RoPEBackwardCopy(dx2, cp, d, cosT, sinT, pos, inter)
					e.sameBits("RoPEBackwardCopy "+name, e.read(dx2), e.read(dx))
					e.sameBits("RoPEBackwardCopy copy "+name, e.read(cp), roundBF16(e.read(dx)))
					loss := func() float64 { return dot(dv, ropeRef(xv, cv, sv, pos, N, X, HS, inter, 1)) }
					e.fdCheck("RoPE dIn "+name, xv, refDx, loss, 3)
					e.b.RoPEForward(x, x, cosT, sinT, pos, inter) // in place
					e.compare("RoPEForward in place "+name, "rope", e.read(x), ropeRef(xv, cv, sv, pos, N, X, HS, inter, 1), nil)
				}
			}
		}
		e.checkPadding()
	}
}
