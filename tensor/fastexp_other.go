//go:build !amd64 || purego

// The slice exp without assembly: exp32 element by element.

package tensor

// expAffineWith is exp32 element by element whatever the level.
func expAffineWith(k vecISA, dst, src []float32, a, b float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = exp32(a*x + b)
	}
}

// geluVector has no vector form here: geluTanh's scalar loops do all.
func geluVector(t, x []float32, finish bool) int { return 0 }
