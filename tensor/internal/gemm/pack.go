// Packing: copy blocks of op(A) and op(B) into the contiguous, zero-padded
// micro-panel order the micro-kernel reads.

package gemm

// packA packs op(A)[i0:i0+mc, p0:p0+kc] into dst as ceil(mc/mr) micro-panels
// of kc*mr floats each; within a panel, element (i, p) is at p*mr+i. Rows
// past mc are zero. op(A)[i][p] is a[i*lda+p], or a[p*lda+i] if trans.
func packA(dst, a []float32, lda int, trans bool, i0, mc, p0, kc, mr int) {
	for ip := 0; ip < mc; ip += mr {
		rows := min(mr, mc-ip)
		d := dst[(ip/mr)*kc*mr:][:kc*mr]
		if trans {
			base := p0*lda + i0 + ip
			for p := 0; p < kc; p++ {
				dp := d[p*mr : p*mr+mr]
				copy(dp, a[base+p*lda:][:rows])
				clear(dp[rows:])
			}
			continue
		}
		if rows == 6 && mr == 6 {
			packA6(d, a, lda, (i0+ip)*lda+p0, kc)
			continue
		}
		for i := 0; i < rows; i++ {
			src := a[(i0+ip+i)*lda+p0:][:kc]
			for p, v := range src {
				d[p*mr+i] = v
			}
		}
		for i := rows; i < mr; i++ {
			for p := 0; p < kc; p++ {
				d[p*mr+i] = 0
			}
		}
	}
}

// packA6 packs six full rows of a row-major A, starting at a[off], into d.
func packA6(d, a []float32, lda, off, kc int) {
	r0 := a[off:][:kc]
	r1 := a[off+lda:][:kc]
	r2 := a[off+2*lda:][:kc]
	r3 := a[off+3*lda:][:kc]
	r4 := a[off+4*lda:][:kc]
	r5 := a[off+5*lda:][:kc]
	d = d[:6*kc]
	for p := 0; p < kc; p++ {
		dp := d[6*p : 6*p+6 : 6*p+6]
		dp[0] = r0[p]
		dp[1] = r1[p]
		dp[2] = r2[p]
		dp[3] = r3[p]
		dp[4] = r4[p]
		dp[5] = r5[p]
	}
}

// packB packs micro-panels [jp0, jp1) (in units of nr columns) of
// op(B)[p0:p0+kc, j0:j0+nc] into dst; panel q occupies dst[q*kc*nr:] and
// element (p, j) of it is at p*nr+j. Columns past nc are zero.
// op(B)[p][j] is b[p*ldb+j], or b[j*ldb+p] if trans.
func packB(dst, b []float32, ldb int, trans bool, p0, kc, j0, nc, nr, jp0, jp1 int) {
	for q := jp0; q < jp1; q++ {
		jp := q * nr
		cols := min(nr, nc-jp)
		d := dst[q*kc*nr:][:kc*nr]
		if !trans {
			base := p0*ldb + j0 + jp
			for p := 0; p < kc; p++ {
				dp := d[p*nr : p*nr+nr]
				copy(dp, b[base+p*ldb:][:cols])
				clear(dp[cols:])
			}
			continue
		}
		for j := 0; j < cols; j++ {
			src := b[(j0+jp+j)*ldb+p0:][:kc]
			for p, v := range src {
				d[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := 0; p < kc; p++ {
				d[p*nr+j] = 0
			}
		}
	}
}
