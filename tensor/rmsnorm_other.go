//go:build !amd64 || purego

package tensor

func rmsScale(o, w, x []float32, rs float32)          { rmsScaleGo(o, w, x, rs) }
func rmsDot(d, w, x []float32, rs float32) float64    { return rmsDotGo(d, w, x, rs) }
func rmsGrad(dx, d, w, x []float32, rs, mean float32) { rmsGradGo(dx, d, w, x, rs, mean) }
