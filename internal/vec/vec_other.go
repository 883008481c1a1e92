// Without assembly (other architectures, or the purego tag) the kernels
// are the portable Go ones.

//go:build !amd64 || purego

package vec

// HasAVX2 reports whether the assembly kernels are in use.
const HasAVX2 = false

// Dot returns Σ a[i]*b[i] over len(a) elements (b must be at least as long).
func Dot(a, b []float32) float32 { return DotGo(a, b) }

// Axpy sets y[i] += alpha*x[i] over len(x) elements.
func Axpy(alpha float32, x, y []float32) { AxpyGo(alpha, x, y) }

// DotRows sets out[t] = scale * Dot(q, k[t*stride:][:len(q)]) for every t < len(out).
func DotRows(scale float32, q, k []float32, stride int, out []float32) {
	dotRowsGo(scale, q, k, stride, out)
}

// AxpyRows adds p[t] * v[t*stride:][:len(o)] to o for every t < len(p) with p[t] != 0, in order.
func AxpyRows(p, v []float32, stride int, o []float32) { axpyRowsGo(p, v, stride, o) }

// Max returns the largest element of x (-Inf for none, NaN if any is NaN).
func Max(x []float32) float32 { return maxGo(x) }

// SumF64 returns Σ x[i], accumulated in float64.
func SumF64(x []float32) float64 { return sumF64Go(x) }

// Scale sets x[i] *= alpha.
func Scale(alpha float32, x []float32) { scaleGo(alpha, x) }

// SumSqF64 returns Σ x[i]², accumulated in float64.
func SumSqF64(x []float32) float64 { return sumSqF64Go(x) }

// DotF64 returns Σ a[i]*b[i], accumulated in float64.
func DotF64(a, b []float32) float64 { return dotF64Go(a, b) }

// SubMul sets d[i] = p[i] * (d[i] - c).
func SubMul(d, p []float32, c float32) { subMulGo(d, p, c) }
