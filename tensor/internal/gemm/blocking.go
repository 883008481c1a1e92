// Blocking parameters and the micro-kernel table: which register tile and
// which cache blocks a call uses.

package gemm

import "fmt"

// microKernel computes one MR x NR tile of C:
//
//	C[i*ldc+j] = alpha*sum_p a[p*mr+i]*b[p*nr+j] + beta*C[i*ldc+j]
//
// for i < mr, j < nr, p < kc, where a and b are packed micro-panels.
// beta == 0 must not read C. kc >= 1.
type microKernel func(kc int, a, b, c []float32, ldc int, alpha, beta float32)

// unpackedKernel is microKernel with A unpacked: row i of the tile at
// a[i*lda:], depth p at a[i*lda+p].
type unpackedKernel func(kc int, a []float32, lda int, b, c []float32, ldc int, alpha, beta float32)

// config is one complete choice of micro-kernel and cache blocking.
// mc is a multiple of mr and nc a multiple of nr.
type config struct {
	name   string
	mr, nr int
	kernel microKernel
	mc     int // rows of the packed A block (L2)
	kc     int // depth of a block (L1: kc*nr floats of B)
	nc     int // columns of the packed B panel (L3)
	// kernelU, where not nil, is kernel reading a row-major A in place;
	// it is used for C with at most unpackedMaxN columns.
	kernelU      unpackedKernel
	unpackedMaxN int
	// pairs: the kernel multiplies BF16 pairs (GemmBF16 only): panels
	// hold one 32-bit word per row or column per two depths, kc is even.
	pairs bool
}

// genericConfig is the pure-Go path: a 4x4 register tile (16 scalar
// accumulators, what 16 SSE registers on amd64 and 32 on arm64 can hold
// without many spills) with the same cache blocking as the AVX2 path.
var genericConfig = config{
	name: "generic4x4", mr: 4, nr: 4, kernel: kernelGeneric4x4,
	mc: 128, kc: 256, nc: 4096,
}

// maxTile is the largest mr*nr of any configuration (the edge-tile scratch).
const maxTile = 12 * 32

// active is the configuration Sgemm uses: the fastest one this CPU runs
// (configs, kernel_amd64.go), unless SetKernel chose another.
var active = defaultConfig()

func defaultConfig() config { return configs()[0] }

// Kernels names the micro-kernels this CPU and build can run, fastest
// (the default) first: "avx512-12x32", "avx2-6x16", "generic4x4".
func Kernels() []string {
	var names []string
	for _, c := range configs() {
		names = append(names, c.name)
	}
	return names
}

// Kernel names the micro-kernel Sgemm uses.
func Kernel() string {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return active.name
}

// SetKernel makes Sgemm use the named micro-kernel (one of Kernels, with
// its blocking); "" restores the default. It is for tests and benchmarks
// that compare the paths, and must not be called while products run.
func SetKernel(name string) error {
	for _, c := range configs() {
		if name == "" || c.name == name {
			setConfig(c)
			return nil
		}
	}
	return fmt.Errorf("gemm: no micro-kernel %q on this CPU (have %v)", name, Kernels())
}

// setConfig replaces the active configuration and returns the old one (tests).
func setConfig(c config) config {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	old := active
	active = c
	return old
}
