// One worker's share of a call: the five blocking loops around the
// micro-kernel, and the merge of partial edge tiles into C.

package gemm

// job is one Sgemm call as the workers see it.
type job struct {
	cfg            config
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	nthreads       int // workers taking part
	tm, tn         int // thread grid: tm row groups x tn column groups

	// A BF16 product (GemmBF16) packs its operands rounded to BF16:
	// aH and bH hold an operand's BF16 bits (nil: it is a or b, float32,
	// rounded while packing).
	bf16   bool
	aH, bH []uint16
}

// unpackedA reports whether the unpacked kernel reads a row-major A in
// place: when C is too narrow to amortise packing it (see blocking.go).
func (j *job) unpackedA() bool {
	return j.cfg.kernelU != nil && !j.bf16 && !j.transA && j.n <= j.cfg.unpackedMaxN
}

// useOwnB reports whether the workers of j should pack B privately: when
// they split C by rows only (each needs every column panel anyway),
// packing B is a copy (B not transposed) and C is at most ownBMaxN
// columns wide. A shared panel is packed once, but every depth block then
// costs a barrier, and each core rewrites buffer lines the other core has
// just read. Measured on two cores, the weight-gradient shapes (TN
// 256x256x2048, 688x256x1024, 256x688x1024) ran 4-22% faster with private
// copies and square NN up to 2048 within noise; NT shapes, whose B is
// transposed while packing, ran 8-11% slower, and TN 3200x8640x2048, whose
// B (70 MB) each core would then stream from memory, 8% slower, so they
// keep the shared panel.
func (j *job) useOwnB() bool {
	return j.nthreads > 1 && j.tn == 1 && !j.transB && !j.bf16 && j.n <= ownBMaxN && !sharedBOnly
}

// ownBMaxN is the widest C whose workers pack B privately (useOwnB).
const ownBMaxN = 2048

// sharedBOnly turns private B panels off (tests and benchmarks compare the
// two schemes).
var sharedBOnly bool

// run is worker w's part of the call. With a shared B panel every worker
// walks the same (jc, pc) sequence so that all meet at the barrier after
// packing each B panel.
func (j *job) run(w *worker, t *team) {
	cfg := &j.cfg
	mr, nr := cfg.mr, cfg.nr
	rowGroup, colGroup := w.id/j.tn, w.id%j.tn
	mPanels := (j.m + mr - 1) / mr
	r0 := rowGroup * mPanels / j.tm * mr
	r1 := min(j.m, (rowGroup+1)*mPanels/j.tm*mr)
	buf := 0
	unpacked, ownB := j.unpackedA(), j.useOwnB()
	for jc := 0; jc < j.n; jc += cfg.nc {
		ncur := min(cfg.nc, j.n-jc)
		nPanels := (ncur + nr - 1) / nr
		// This worker packs panels [q0, q1) and computes panels [c0, c1).
		q0, q1 := w.id*nPanels/j.nthreads, (w.id+1)*nPanels/j.nthreads
		c0, c1 := colGroup*nPanels/j.tn, (colGroup+1)*nPanels/j.tn
		for pc := 0; pc < j.k; pc += cfg.kc {
			kcur := min(cfg.kc, j.k-pc)
			kk := kcur // depth of the packed panels: pairs for a pair kernel
			var bp []float32
			switch {
			case ownB:
				bp = w.bown
				packB(bp, j.b, j.ldb, j.transB, pc, kcur, jc, ncur, nr, c0, c1)
			default:
				bp = t.bpack[buf]
				if j.nthreads > 1 {
					buf ^= 1
				}
				if j.bf16 {
					kk = j.packB16(w, bp, pc, kcur, jc, ncur, q0, q1)
				} else {
					packB(bp, j.b, j.ldb, j.transB, pc, kcur, jc, ncur, nr, q0, q1)
				}
				t.bar.wait()
			}
			beta := j.beta
			if pc > 0 {
				beta = 1
			}
			for ic := r0; ic < r1; ic += cfg.mc {
				mcur := min(cfg.mc, r1-ic)
				switch {
				case j.bf16:
					j.packA16(w, ic, mcur, pc, kcur)
				case unpacked: // only a partial last row panel needs its zero padding
					if full := mcur / mr * mr; full < mcur {
						packA(w.apack[full*kcur:], j.a, j.lda, false, ic+full, mcur-full, pc, kcur, mr)
					}
				default:
					packA(w.apack, j.a, j.lda, j.transA, ic, mcur, pc, kcur, mr)
				}
				j.macro(w, bp, ic, mcur, jc, ncur, kk, c0, c1, beta, unpacked, pc)
			}
		}
	}
}

// macro multiplies the packed A block (rows ic..ic+mc of C) by B panels
// [q0, q1) of the packed panel starting at column jc, updating C with
// alpha and beta.
// With unpacked, full row panels are read from A itself (depth pc on).
func (j *job) macro(w *worker, bp []float32, ic, mc, jc, nc, kc, q0, q1 int, beta float32, unpacked bool, pc int) {
	mr, nr := j.cfg.mr, j.cfg.nr
	kernel, kernelU := j.cfg.kernel, j.cfg.kernelU
	alpha, c, ldc := j.alpha, j.c, j.ldc
	for q := q0; q < q1; q++ {
		jr := q * nr
		cols := min(nr, nc-jr)
		bq := bp[q*kc*nr:][:kc*nr]
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			aq := w.apack[ir*kc:][:kc*mr]
			off := (ic+ir)*ldc + jc + jr
			direct := unpacked && rows == mr
			if rows == mr && cols == nr {
				if direct {
					kernelU(kc, j.a[(ic+ir)*j.lda+pc:], j.lda, bq, c[off:], ldc, alpha, beta)
				} else {
					kernel(kc, aq, bq, c[off:], ldc, alpha, beta)
				}
				continue
			}
			// Partial tile: compute the whole tile into scratch, merge the
			// valid part.
			t := w.tile[:mr*nr]
			if direct {
				kernelU(kc, j.a[(ic+ir)*j.lda+pc:], j.lda, bq, t, nr, 1, 0)
			} else {
				kernel(kc, aq, bq, t, nr, 1, 0)
			}
			for i := 0; i < rows; i++ {
				crow := c[off+i*ldc:][:cols]
				trow := t[i*nr:][:cols]
				if beta == 0 {
					for x, v := range trow {
						crow[x] = alpha * v
					}
					continue
				}
				for x, v := range trow {
					crow[x] = float32(alpha*v) + float32(beta*crow[x])
				}
			}
		}
	}
}
