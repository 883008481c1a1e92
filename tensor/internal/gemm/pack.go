// Packing: copy blocks of op(A) and op(B) into the contiguous, zero-padded
// micro-panel order the micro-kernel reads.
//
// Every routine walks the source in its storage order (row by row), so
// reads are unit-stride and prefetchable; strided access would touch a new
// page per element for large leading dimensions. The destination blocks
// are small enough to sit in cache while they are scattered into.

package gemm

// packA packs op(A)[i0:i0+mc, p0:p0+kc] into dst as ceil(mc/mr) micro-panels
// of kc*mr floats each; within a panel, element (i, p) is at p*mr+i. Rows
// past mc are zero. op(A)[i][p] is a[i*lda+p], or a[p*lda+i] if trans.
func packA(dst, a []float32, lda int, trans bool, i0, mc, p0, kc, mr int) {
	if trans {
		packAT(dst, a, lda, i0, mc, p0, kc, mr)
		return
	}
	for ip := 0; ip < mc; ip += mr {
		rows := min(mr, mc-ip)
		d := dst[(ip/mr)*kc*mr:][:kc*mr]
		if rows == 6 && mr == 6 {
			packA6(d, a, lda, (i0+ip)*lda+p0, kc)
			continue
		}
		if rows == 12 && mr == 12 {
			packA12(d, a, lda, (i0+ip)*lda+p0, kc)
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

// packAT is packA for a transposed A, stored (k, m): row p of the storage
// holds op(A)[:, p], which is scattered over the micro-panels.
func packAT(dst, a []float32, lda, i0, mc, p0, kc, mr int) {
	panels := (mc + mr - 1) / mr
	full := mc / mr // panels without padding
	for p := 0; p < kc; p++ {
		src := a[(p0+p)*lda+i0:][:mc]
		switch mr {
		case 6:
			for q := 0; q < full; q++ {
				*(*[6]float32)(dst[(q*kc+p)*6:]) = *(*[6]float32)(src[q*6:])
			}
		default:
			copyStrips(dst[p*mr:], src, full, mr, kc*mr)
		}
		if full < panels {
			d := dst[(full*kc+p)*mr:][:mr]
			n := copy(d, src[full*mr:])
			clear(d[n:])
		}
	}
}

// copyStripsGo copies n strips of w contiguous floats of src to dst,
// strip q at dst[q*dstride:].
func copyStripsGo(dst, src []float32, n, w, dstride int) {
	for q := 0; q < n; q++ {
		copy(dst[q*dstride:][:w], src[q*w:(q+1)*w])
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

// packB packs micro-panels [q0, q1) (in units of nr columns) of
// op(B)[p0:p0+kc, j0:j0+nc] into dst; panel q occupies dst[q*kc*nr:] and
// element (p, j) of it is at p*nr+j. Columns past nc are zero.
// op(B)[p][j] is b[p*ldb+j], or b[j*ldb+p] if trans.
func packB(dst, b []float32, ldb int, trans bool, p0, kc, j0, nc, nr, q0, q1 int) {
	if q0 >= q1 {
		return
	}
	if trans {
		packBT(dst, b, ldb, p0, kc, j0, nc, nr, q0, q1)
		return
	}
	// Full panels first, row by row of B, then the padded last panel.
	qf := min(q1, nc/nr)
	for p := 0; p < kc; p++ {
		row := b[(p0+p)*ldb+j0:][:nc]
		switch nr {
		case 16:
			for q := q0; q < qf; q++ {
				*(*[16]float32)(dst[(q*kc+p)*16:]) = *(*[16]float32)(row[q*16:])
			}
		default:
			copyStrips(dst[q0*kc*nr+p*nr:], row[q0*nr:], qf-q0, nr, kc*nr)
		}
		if q := max(qf, q0); q < q1 {
			d := dst[(q*kc+p)*nr:][:nr]
			n := copy(d, row[q*nr:])
			clear(d[n:])
		}
	}
}

// packBT is packB for a transposed B, stored (n, k): storage row j holds
// op(B)[:, j], which is column j%nr of panel j/nr.
func packBT(dst, b []float32, ldb, p0, kc, j0, nc, nr, q0, q1 int) {
	for q := q0; q < q1; q++ {
		cols := min(nr, nc-q*nr)
		d := dst[q*kc*nr:][:kc*nr]
		if nr == 16 && cols == 16 {
			packBT16(d, b[(j0+q*16)*ldb+p0:], ldb, kc, 16)
			continue
		}
		if nr == 32 && cols == 32 {
			packBT16(d, b[(j0+q*32)*ldb+p0:], ldb, kc, 32)
			packBT16(d[16:], b[(j0+q*32+16)*ldb+p0:], ldb, kc, 32)
			continue
		}
		for j := 0; j < cols; j++ {
			src := b[(j0+q*nr+j)*ldb+p0:][:kc]
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

// packA12Go packs depth steps [p0, kc) of twelve full rows of a row-major
// A, starting at a[off], into d (12*kc floats), four steps at a time.
func packA12Go(d, a []float32, lda, off, p0, kc int) {
	var r [12][]float32
	for i := range r {
		r[i] = a[off+i*lda:][:kc]
	}
	d = d[:12*kc]
	p := p0
	for ; p+4 <= kc; p += 4 {
		dp := (*[48]float32)(d[12*p:])
		for i := 0; i < 12; i++ {
			x := (*[4]float32)(r[i][p:])
			dp[i], dp[12+i], dp[24+i], dp[36+i] = x[0], x[1], x[2], x[3]
		}
	}
	for ; p < kc; p++ {
		for i := 0; i < 12; i++ {
			d[12*p+i] = r[i][p]
		}
	}
}
