//go:build !amd64 || purego

// expAffine without assembly: exp32 element by element.

package tensor

// expAffine sets dst[i] = exp32(a*src[i] + b) for i < len(src); dst may
// be src.
func expAffine(dst, src []float32, a, b float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = exp32(a*x + b)
	}
}

// geluVector has no vector form here: geluTanh's scalar loops do all.
func geluVector(t, x []float32, finish bool) int { return 0 }

// expKernels names the slice exp's kernels: the scalar loop alone here.
func expKernels() []string { return []string{"go"} }

// expAffineWith is expAffine (tests).
func expAffineWith(kernel string, dst, src []float32, a, b float32) { expAffine(dst, src, a, b) }
