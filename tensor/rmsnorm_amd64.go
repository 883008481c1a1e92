//go:build amd64 && !purego

// RMSNorm's row loops on amd64: AVX2 for the body of a row, the scalar
// loops (cpu_norm.go) for the tail and where the CPU lacks AVX2.

package tensor

//go:noescape
func rmsScaleAVX2(o, w, x *float32, n int, rs float32)

//go:noescape
func rmsDotAVX2(d, w, x *float32, n int, rs float32) float64

//go:noescape
func rmsGradAVX2(dx, d, w, x *float32, n int, rs, m float32)

// rmsBody is how many leading elements of a row of n the AVX2 kernels take.
func rmsBody(n int) int {
	if isa < isaAVX2 {
		return 0
	}
	return n &^ 7
}

func rmsScale(o, w, x []float32, rs float32) {
	m := rmsBody(len(x))
	if m > 0 {
		rmsScaleAVX2(&o[0], &w[0], &x[0], m, rs)
	}
	rmsScaleGo(o[m:], w[m:], x[m:], rs)
}

func rmsDot(d, w, x []float32, rs float32) float64 {
	m := rmsBody(len(x))
	var s float64
	if m > 0 {
		s = rmsDotAVX2(&d[0], &w[0], &x[0], m, rs)
	}
	return s + rmsDotGo(d[m:], w[m:], x[m:], rs)
}

func rmsGrad(dx, d, w, x []float32, rs, mean float32) {
	m := rmsBody(len(x))
	if m > 0 {
		rmsGradAVX2(&dx[0], &d[0], &w[0], &x[0], m, rs, mean)
	}
	rmsGradGo(dx[m:], d[m:], w[m:], x[m:], rs, mean)
}
