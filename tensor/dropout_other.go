//go:build !amd64 || purego

package tensor

// dropoutWith is dropoutGo: no vector kernel exists here.
func dropoutWith(k vecISA, o, m, x []float32, seed uint64, start int, p float32) {
	dropoutGo(o, m, x, seed, start, p)
}
