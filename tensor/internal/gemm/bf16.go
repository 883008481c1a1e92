// The BF16 product: C = alpha*op(A)*op(B) + beta*C with both operands
// rounded to BF16 (round to nearest even) and the products accumulated in
// float32, on the blocking of Sgemm with packers that round.

package gemm

import (
	"fmt"
	"math"

	"embrec/tensor/half"
)

// Operand is one operand of GemmBF16: float32 values (rounded to BF16
// while packing) or BF16 bits. Exactly one of the two is set.
type Operand struct {
	F32  []float32
	BF16 []uint16
}

func (o Operand) len() int {
	if o.BF16 != nil {
		return len(o.BF16)
	}
	return len(o.F32)
}

// GemmBF16 is Sgemm with op(A) and op(B) rounded to BF16: every product
// a_ip*b_pj is one of two BF16 values, exact in float32, and the sums are
// float32. Which kernel runs is BF16Kernel: VDPBF16PS where the CPU has
// AVX512_BF16 (BF16 denormals count as zero there), else the float32
// micro-kernel on operands packed as their BF16 values; both round the
// operands the same way, so results differ only in the order of the
// float32 additions. Arguments and panics as Sgemm's.
func GemmBF16(transA, transB bool, m, n, k int, alpha float32, a Operand, lda int, b Operand, ldb int, beta float32, c []float32, ldc int) {
	if (a.F32 == nil) == (a.BF16 == nil) && a.len() > 0 || (b.F32 == nil) == (b.BF16 == nil) && b.len() > 0 {
		panic("gemm: GemmBF16 operand with both or neither of F32 and BF16")
	}
	j, ok := newJobLen(transA, transB, m, n, k, alpha, a.len(), lda, b.len(), ldb, beta, c, ldc)
	if !ok {
		return
	}
	j.cfg = activeBF16
	j.bf16 = true
	j.a, j.aH, j.b, j.bH = a.F32, a.BF16, b.F32, b.BF16
	if !pool.mu.TryLock() {
		runSolo(&j)
		return
	}
	defer pool.mu.Unlock()
	pool.job = j
	pj := &pool.job
	pj.nthreads, pj.tm, pj.tn = threadGrid(Threads(), m, n, k, &pj.cfg, true)
	pool.prepare(pj.nthreads)
	pool.runParallel(pj.nthreads)
	pj.a, pj.b, pj.c, pj.aH, pj.bH = nil, nil, nil, nil, nil
}

// bf16Configs lists the configurations GemmBF16 can use on this CPU,
// fastest first: the pair kernels (kernel_amd64.go), then the float32
// fallback on each float32 micro-kernel.
func bf16Configs() []config {
	cs := pairConfigs()
	for _, c := range configs() {
		c.name = "f32-" + c.name
		cs = append(cs, c)
	}
	return cs
}

// activeBF16 is the configuration GemmBF16 uses.
var activeBF16 = bf16Configs()[0]

// BF16Kernels names the kernels GemmBF16 can use, the default first.
func BF16Kernels() []string {
	var names []string
	for _, c := range bf16Configs() {
		names = append(names, c.name)
	}
	return names
}

// BF16Kernel names the kernel GemmBF16 uses.
func BF16Kernel() string {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return activeBF16.name
}

// SetBF16Kernel makes GemmBF16 use the named kernel (one of BF16Kernels);
// "" restores the default. For tests and benchmarks; not while products run.
func SetBF16Kernel(name string) error {
	for _, c := range bf16Configs() {
		if name == "" || c.name == name {
			pool.mu.Lock()
			activeBF16 = c
			pool.mu.Unlock()
			return nil
		}
	}
	return fmt.Errorf("gemm: no BF16 kernel %q on this CPU (have %v)", name, BF16Kernels())
}

// growH16 sizes w's rounding scratch for a BF16 job: two source rows, or
// the twelve rows of a float32 A panel (packPairsA12), and the pair words
// of a depth pair of a transposed A or a B (k, n) (interleaveStrips).
func (w *worker) growH16(cfg *config, j *job) {
	if !j.bf16 {
		return
	}
	if n := max(2*max(cfg.kc, cfg.mc, cfg.nc), 12*cfg.kc); len(w.h16) < n {
		w.h16 = make([]uint16, n)
	}
	if n := max(cfg.mc, cfg.nc); cfg.pairs && len(w.w32) < n {
		w.w32 = make([]float32, n)
	}
}

// bits16 returns the n BF16 values at off of an operand: h's own, or f's
// rounded into s.
func bits16(f []float32, h []uint16, off, n int, s []uint16) []uint16 {
	if h != nil {
		return h[off : off+n : off+n]
	}
	s = s[:n:n]
	half.RoundBF16(s, f[off:off+n])
	return s
}

// word packs two BF16 values as the pair kernels read them: lo in the
// low half.
func word(lo, hi uint16) float32 { return math.Float32frombits(uint32(lo) | uint32(hi)<<16) }

// bf is the float32 value of BF16 bits (exact).
func bf(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// packA16 packs op(A)[i0:i0+mc, p0:p0+kc] for a BF16 job into w.apack:
// as packA with BF16 values for a float32 kernel, or as pairs (element
// (i, p) in the low or high half of word (p/2)*mr+i of its panel).
func (j *job) packA16(w *worker, i0, mc, p0, kc int) {
	mr, dst := j.cfg.mr, w.apack
	s0, s1 := w.h16[:len(w.h16)/2], w.h16[len(w.h16)/2:]
	if j.cfg.pairs {
		kp := (kc + 1) / 2
		if !j.transA {
			for ip := 0; ip < mc; ip += mr {
				d := dst[(ip/mr)*kp*mr:][:kp*mr]
				if ip+mr <= mc && j.packPairsA12(w, d, (i0+ip)*j.lda+p0, kc) {
					continue
				}
				for i := 0; i < mr; i++ {
					if ip+i >= mc {
						for p := 0; p < kp; p++ {
							d[p*mr+i] = 0
						}
						continue
					}
					row := bits16(j.a, j.aH, (i0+ip+i)*j.lda+p0, kc, s0)
					for p := 0; p+1 < kc; p += 2 {
						d[(p/2)*mr+i] = word(row[p], row[p+1])
					}
					if kc%2 == 1 {
						d[(kp-1)*mr+i] = word(row[kc-1], 0)
					}
				}
			}
			return
		}
		panels := (mc + mr - 1) / mr
		for p := 0; p < kp; p++ {
			r0 := bits16(j.a, j.aH, (p0+2*p)*j.lda+i0, mc, s0)
			r1 := s1[:mc]
			if 2*p+1 < kc {
				r1 = bits16(j.a, j.aH, (p0+2*p+1)*j.lda+i0, mc, s1)
			} else {
				clear(r1)
			}
			// Whole panels in two vector passes; only a partial last
			// panel is padded here.
			full := mc / mr
			interleaveStrips(dst[p*mr:], w.w32, r0, r1, full, mr, kp*mr)
			for q := full; q < panels; q++ {
				d := dst[(q*kp+p)*mr:][:mr]
				for i := range d {
					if x := q*mr + i; x < mc {
						d[i] = word(r0[x], r1[x])
					} else {
						d[i] = 0
					}
				}
			}
		}
		return
	}
	if !j.transA {
		for ip := 0; ip < mc; ip += mr {
			d := dst[(ip/mr)*kc*mr:][:kc*mr]
			for i := 0; i < mr; i++ {
				if ip+i >= mc {
					for p := 0; p < kc; p++ {
						d[p*mr+i] = 0
					}
					continue
				}
				for p, v := range bits16(j.a, j.aH, (i0+ip+i)*j.lda+p0, kc, s0) {
					d[p*mr+i] = bf(v)
				}
			}
		}
		return
	}
	panels := (mc + mr - 1) / mr
	for p := 0; p < kc; p++ {
		row := bits16(j.a, j.aH, (p0+p)*j.lda+i0, mc, s0)
		for q := 0; q < panels; q++ {
			d := dst[(q*kc+p)*mr:][:mr]
			for i := range d {
				if x := q*mr + i; x < mc {
					d[i] = bf(row[x])
				} else {
					d[i] = 0
				}
			}
		}
	}
}

// packPairsA12 packs twelve full rows of a row-major A, the first at
// element off, into the pair panel d (kc/2 depth pairs of twelve words)
// by transposing 32-bit words, and reports whether it could: kc must be
// even and the panel twelve rows high. A BF16 A's rows are read in place
// when every row starts at an even element (each pair is then one aligned
// word); a float32 A's twelve rows are first rounded into w.h16.
func (j *job) packPairsA12(w *worker, d []float32, off, kc int) bool {
	if j.cfg.mr != 12 || kc%2 != 0 {
		return false
	}
	if j.aH != nil {
		words := wordsOf(j.aH)
		if words == nil || j.lda%2 != 0 || off%2 != 0 {
			return false
		}
		packA12(d, words, j.lda/2, off/2, kc/2)
		return true
	}
	s := w.h16[:12*kc]
	for i := 0; i < 12; i++ {
		half.RoundBF16(s[i*kc:][:kc], j.a[off+i*j.lda:][:kc])
	}
	packA12(d, wordsOf(s), kc/2, 0, kc/2)
	return true
}

// packB16 packs panels [q0, q1) of op(B)[p0:p0+kc, j0:j0+nc] for a BF16
// job into dst, as packA16 does for A, and returns the depth of the
// packed panels (kc, or its pairs).
func (j *job) packB16(w *worker, dst []float32, p0, kc, j0, nc, q0, q1 int) int {
	nr := j.cfg.nr
	kk := kc
	if j.cfg.pairs {
		kk = (kc + 1) / 2
	}
	if q0 >= q1 {
		return kk
	}
	s0, s1 := w.h16[:len(w.h16)/2], w.h16[len(w.h16)/2:]
	c0, c1 := q0*nr, min(q1*nr, nc) // columns this worker packs
	if j.cfg.pairs && j.bH != nil && j.packPairsFast(w, dst, p0, kc, j0, nc, q0, q1) {
		return kk
	}
	if !j.transB {
		for p := 0; p < kk; p++ {
			var r0, r1 []uint16
			if j.cfg.pairs {
				r0 = bits16(j.b, j.bH, (p0+2*p)*j.ldb+j0+c0, c1-c0, s0)
				r1 = s1[:c1-c0]
				if 2*p+1 < kc {
					r1 = bits16(j.b, j.bH, (p0+2*p+1)*j.ldb+j0+c0, c1-c0, s1)
				} else {
					clear(r1)
				}
			} else {
				r0 = bits16(j.b, j.bH, (p0+p)*j.ldb+j0+c0, c1-c0, s0)
			}
			for q := q0; q < q1; q++ {
				d := dst[(q*kk+p)*nr:][:nr]
				for x := range d {
					col := q*nr + x - c0
					switch {
					case q*nr+x >= c1:
						d[x] = 0
					case j.cfg.pairs:
						d[x] = word(r0[col], r1[col])
					default:
						d[x] = bf(r0[col])
					}
				}
			}
		}
		return kk
	}
	for q := q0; q < q1; q++ {
		d := dst[q*kk*nr:][:kk*nr]
		for x := 0; x < nr; x++ {
			if q*nr+x >= nc {
				for p := 0; p < kk; p++ {
					d[p*nr+x] = 0
				}
				continue
			}
			row := bits16(j.b, j.bH, (j0+q*nr+x)*j.ldb+p0, kc, s0)
			if !j.cfg.pairs {
				for p, v := range row {
					d[p*nr+x] = bf(v)
				}
				continue
			}
			for p := 0; p+1 < kc; p += 2 {
				d[(p/2)*nr+x] = word(row[p], row[p+1])
			}
			if kc%2 == 1 {
				d[(kk-1)*nr+x] = word(row[kc-1], 0)
			}
		}
	}
	return kk
}

// packPairsFast packs the full panels of a BF16 B into pairs without
// per-element work where the layout allows, and reports whether it
// packed everything: a transposed B (n, k) with even ldb and depth
// offset holds each pair as one aligned 32-bit word, so packing is the
// float32 transpose of those words; a B (k, n) interleaves two rows.
func (j *job) packPairsFast(w *worker, dst []float32, p0, kc, j0, nc, q0, q1 int) bool {
	nr := j.cfg.nr
	kk := (kc + 1) / 2
	if q1*nr > nc { // a padded last panel: the general path
		return false
	}
	if j.transB {
		if j.ldb%2 != 0 || p0%2 != 0 || kc%2 != 0 || nr != 32 {
			return false
		}
		words := wordsOf(j.bH)
		if words == nil {
			return false
		}
		for q := q0; q < q1; q++ {
			d := dst[q*kk*nr:][:kk*nr]
			src := (j0+q*nr)*j.ldb + p0 // element offset, even
			packBT16(d, words[src/2:], j.ldb/2, kk, 32)
			packBT16(d[16:], words[(src+16*j.ldb)/2:], j.ldb/2, kk, 32)
		}
		return true
	}
	for p := 0; p < kk; p++ {
		r0 := j.bH[(p0+2*p)*j.ldb+j0:][:nc]
		r1 := r0[:0]
		if 2*p+1 < kc {
			r1 = j.bH[(p0+2*p+1)*j.ldb+j0:][:nc]
		}
		if len(r1) > 0 {
			interleaveStrips(dst[(q0*kk+p)*nr:], w.w32, r0[q0*nr:], r1[q0*nr:], q1-q0, nr, kk*nr)
			continue
		}
		for q := q0; q < q1; q++ {
			d := dst[(q*kk+p)*nr:][:nr]
			a := r0[q*nr:][:nr]
			if len(r1) == 0 {
				for x := range d {
					d[x] = word(a[x], 0)
				}
				continue
			}
			interleavePairs(d, a, r1[q*nr:][:nr])
		}
	}
	return true
}

// interleaveStrips writes the pair words of a and b (low and high halves)
// for n strips of w columns to dst, strip q at dst[q*dstride:]: one
// interleave of the n*w columns into scratch and one strip copy, both in
// vector code, instead of a call per strip.
func interleaveStrips(dst, scratch []float32, a, b []uint16, n, w, dstride int) {
	if n <= 0 {
		return
	}
	s := scratch[:n*w]
	interleavePairs(s, a[:n*w], b[:n*w])
	copyStrips(dst, s, n, w, dstride)
}
