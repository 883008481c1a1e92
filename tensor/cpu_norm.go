// CPU RMSNorm forward/backward, split over rows.

package tensor

import (
	"fmt"
	"math"

	"embrec/internal/vec"
)

type rmsFwdJob struct {
	out, rstd, in, w []float32
	C                int
	eps              float32
}

func (j *rmsFwdJob) run(lo, hi int) {
	C := j.C
	for r := lo; r < hi; r++ {
		x := j.in[r*C : r*C+C]
		ss := vec.SumSqF64(x)
		rs := float32(1 / math.Sqrt(ss/float64(C)+float64(j.eps)))
		j.rstd[r] = rs
		rmsScale(j.out[r*C:r*C+C], j.w, x, rs)
	}
}

// RMSNormForward implements Normalizer.
func (c *CPU) RMSNormForward(out, rstd, in, weight *Tensor, eps float32) {
	checkSame("RMSNormForward", out, in)
	N, C := in.Rows(), in.Cols()
	if weight.Len() != C || rstd.Len() != N {
		panic(fmt.Sprintf("tensor: RMSNormForward: in %v, weight %v, rstd %v", in, weight, rstd))
	}
	c.rmsFwd = rmsFwdJob{Float32s(out), Float32s(rstd), Float32s(in), Float32s(weight), C, eps}
	c.pool.parallel(N, 4*C, &c.rmsFwd)
	c.rmsFwd = rmsFwdJob{}
}

type rmsBwdJob struct {
	dIn, dOut, in, w, rstd []float32
	C                      int
}

// run sets dIn for rows [lo, hi). With xhat = x*r and g = dOut*w:
// dx = r * (g - xhat * mean(g*xhat)).
func (j *rmsBwdJob) run(lo, hi int) {
	C := j.C
	for r := lo; r < hi; r++ {
		x, d, dx := j.in[r*C:r*C+C], j.dOut[r*C:r*C+C], j.dIn[r*C:r*C+C]
		rs := j.rstd[r]
		m := float32(rmsDot(d, j.w, x, rs) / float64(C))
		rmsGrad(dx, d, j.w, x, rs, m)
	}
}

// RMSNormBackward implements Normalizer.
func (c *CPU) RMSNormBackward(dIn, dWeight, dOut, in, weight, rstd *Tensor) {
	checkSame("RMSNormBackward", dIn, dOut, in)
	N, C := in.Rows(), in.Cols()
	if weight.Len() != C || rstd.Len() != N || (dWeight != nil && dWeight.Len() != C) {
		panic(fmt.Sprintf("tensor: RMSNormBackward: in %v, weight %v, rstd %v", in, weight, rstd))
	}
	x, d, rs := Float32s(in), Float32s(dOut), Float32s(rstd)
	if dWeight != nil { // serial: a column reduction, cheap next to dIn
		dw := Float32s(dWeight)
		for r := 0; r < N; r++ {
			xr, dr := x[r*C:r*C+C], d[r*C:r*C+C]
			for i, v := range xr {
				dw[i] += dr[i] * v * rs[r]
			}
		}
	}
	c.rmsBwd = rmsBwdJob{Float32s(dIn), d, x, Float32s(weight), rs, C}
	c.pool.parallel(N, 6*C, &c.rmsBwd)
	c.rmsBwd = rmsBwdJob{}
}

// rmsScaleGo sets o[i] = w[i] * (x[i]*rs): a normalised row.
func rmsScaleGo(o, w, x []float32, rs float32) {
	for i, v := range x {
		o[i] = w[i] * (v * rs)
	}
}

// rmsDotGo is Σ float64(d[i]*w[i]) * float64(x[i]*rs), in order.
func rmsDotGo(d, w, x []float32, rs float32) float64 {
	var dot float64
	for i, v := range x {
		dot += float64(d[i]*w[i]) * float64(v*rs)
	}
	return dot
}

// rmsGradGo sets dx[i] = rs * (d[i]*w[i] - x[i]*rs*mean): a row's input
// gradient.
func rmsGradGo(dx, d, w, x []float32, rs, mean float32) {
	for i, v := range x {
		dx[i] = rs * (d[i]*w[i] - v*rs*mean)
	}
}
