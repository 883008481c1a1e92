//go:build !amd64 || purego

// Kernel selection without assembly: always the pure-Go micro-kernel.

package gemm

// configs lists the configurations this build can run: the pure-Go one.
func configs() []config { return []config{genericConfig} }

// pairConfigs lists the BF16 pair kernels: none without assembly.
func pairConfigs() []config { return nil }

// packBT16 packs 16 columns of a transposed B into a micro-panel of width
// ldd: d[p*ldd+j] = src[j*ldb+p] for j < 16, p < kc. (Only the assembly
// configurations have nr >= 16; this keeps pack.go portable.)
func packBT16(d, src []float32, ldb, kc, ldd int) {
	for j := 0; j < 16; j++ {
		row := src[j*ldb : j*ldb+kc]
		for p, v := range row {
			d[p*ldd+j] = v
		}
	}
}

// interleavePairs sets d[x] to the pair word of a[x] (low) and b[x].
func interleavePairs(d []float32, a, b []uint16) {
	a, b = a[:len(d)], b[:len(d)]
	for x := range d {
		d[x] = word(a[x], b[x])
	}
}

// packA12 packs twelve full rows of a row-major A, starting at a[off], into d.
func packA12(d, a []float32, lda, off, kc int) { packA12Go(d, a, lda, off, 0, kc) }

// copyStrips copies n strips of w contiguous floats of src to dst, strip q
// at dst[q*dstride:].
func copyStrips(dst, src []float32, n, w, dstride int) { copyStripsGo(dst, src, n, w, dstride) }
