// The portable micro-kernel: a 4x4 tile in plain Go.

package gemm

// kernelGeneric4x4 is the microKernel for mr = nr = 4.
func kernelGeneric4x4(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	a = a[:4*kc]
	b = b[:4*kc]
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	for p := 0; p+4 <= len(a) && p+4 <= len(b); p += 4 {
		aa := a[p : p+4 : p+4]
		bb := b[p : p+4 : p+4]
		b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
		a0 := aa[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := aa[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := aa[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := aa[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	storeRow4(c[0*ldc:], c00, c01, c02, c03, alpha, beta)
	storeRow4(c[1*ldc:], c10, c11, c12, c13, alpha, beta)
	storeRow4(c[2*ldc:], c20, c21, c22, c23, alpha, beta)
	storeRow4(c[3*ldc:], c30, c31, c32, c33, alpha, beta)
}

// storeRow4 writes alpha*(x0..x3) + beta*row[0:4]; beta == 0 ignores row.
func storeRow4(row []float32, x0, x1, x2, x3, alpha, beta float32) {
	row = row[:4:4]
	if beta == 0 {
		row[0] = alpha * x0
		row[1] = alpha * x1
		row[2] = alpha * x2
		row[3] = alpha * x3
		return
	}
	row[0] = float32(alpha*x0) + float32(beta*row[0])
	row[1] = float32(alpha*x1) + float32(beta*row[1])
	row[2] = float32(alpha*x2) + float32(beta*row[2])
	row[3] = float32(alpha*x3) + float32(beta*row[3])
}
