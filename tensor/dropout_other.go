//go:build !amd64 || purego

package tensor

// dropoutSlice is dropoutGo where no vector kernel exists.
func dropoutSlice(o, m, x []float32, seed uint64, start int, p float32) {
	dropoutGo(o, m, x, seed, start, p)
}

// dropoutKernels names the dropout kernels this build can run.
func dropoutKernels() []string { return []string{"go"} }

// dropoutWith runs the named kernel (tests).
func dropoutWith(kernel string, o, m, x []float32, seed uint64, start int, p float32) {
	dropoutGo(o, m, x, seed, start, p)
}
