// MatMul: the float32 GEMM and the tensor-core (BF16) GEMM variants.
//
// MatMul picks the kernel by dtype: all-F32 operands run gemm_f32 (float32
// FFMA, exact to float32 rounding); if either operand is BF16 (a frozen
// base weight), the other is rounded to BF16 in a scratch buffer and the
// product runs on the tensor cores (gemm_bf16_*, float32 accumulation). out
// is always F32.

package cuda

import (
	"fmt"
	"slices"

	"embrec/tensor"
)

// gemmF32 launches gemm_f32 over batches*heads products (see gemm_f32.cu
// for the stride scheme).
type gemmF32 struct {
	c, a, b            uint64
	m, n, k            int
	lda, ldb, ldc      int
	ta, tb             bool
	alpha, beta        float32
	sAb, sAh, sBb, sBh int
	sCb, sCh           int
	batches, heads     int
	group              int
}

func (b *Backend) gemmF32(g gemmF32) {
	if g.m == 0 || g.n == 0 || g.batches == 0 || g.heads == 0 {
		return
	}
	if g.group == 0 {
		g.group = 1
	}
	b.launch("gemm_f32", [3]int{(g.n + 63) / 64, (g.m + 63) / 64, g.batches * g.heads}, block256, 0,
		argPtr(g.c), argPtr(g.a), argPtr(g.b), argI32(g.m), argI32(g.n), argI32(g.k),
		argI32(max(g.lda, 1)), argI32(max(g.ldb, 1)), argI32(max(g.ldc, 1)), argBool(g.ta), argBool(g.tb),
		argF32(g.alpha), argF32(g.beta), argI64(g.sAb), argI64(g.sAh), argI64(g.sBb), argI64(g.sBh),
		argI64(g.sCb), argI64(g.sCh), argI32(g.heads), argI32(g.group))
}

// splitK is the scratch of split-K products: partial products (S, M, N).
type splitK struct {
	parts *tensor.Tensor
}

// Split-K: a float32 product with few 64 x 64 output tiles and a long K
// (the LoRA products x A^T (N*T, r), their gradients dA (r, C) and dB
// (C, r)) would occupy a handful of the GPU's multiprocessors for the
// whole K loop. It runs instead as S partial products over K chunks, one
// batched launch (plus one for a shorter last chunk), summed by one more
// launch (sum_slices_f32): out = parts[0] + ... + parts[S-1] + beta out.
// The sum's order differs from one K loop by the S-1 additions of the
// partial sums, within float32 rounding of the same terms.
const (
	splitKMinTiles = 64  // products with at least this many output tiles are not split
	splitKMinK     = 512 // nor those with a shorter K
	splitKTarget   = 256 // aim for about this many blocks (two per SM on a 132-SM H100/H200)
	splitKMaxS     = 32
)

// splitKSlices returns S, the number of K chunks for an (m, n, k)
// product: 1 means no split.
func splitKSlices(m, n, k int) int {
	tiles := ((m + 63) / 64) * ((n + 63) / 64)
	if tiles >= splitKMinTiles || k < splitKMinK {
		return 1
	}
	s := min((splitKTarget+tiles-1)/tiles, k/256, splitKMaxS)
	return max(s, 1)
}

// matMulSplitK computes out = op(x) op(y) + beta out (2-D, F32) in s
// K chunks of kc (a multiple of 16, gemm_f32's K step); see splitKSlices.
func (b *Backend) matMulSplitK(out, x, y *tensor.Tensor, transA, transB bool, beta float32, m, n, k, lda, ldb, s int) {
	kc := ((k+s-1)/s + 15) / 16 * 16
	full := k / kc
	rest := k - full*kc
	slices := full + boolInt(rest > 0)
	// Element offset of K chunk 1 in each stored operand.
	strideA, strideB := kc, kc*ldb // x (m, k), y (k, n)
	if transA {
		strideA = kc * lda // x stored (k, m)
	}
	if transB {
		strideB = kc // y stored (n, k)
	}
	parts := b.sliceParts(slices * m * n)
	b.gemmF32(gemmF32{c: parts, a: addr(x), b: addr(y), m: m, n: n, k: kc, lda: lda, ldb: ldb, ldc: n,
		ta: transA, tb: transB, alpha: 1, sAb: strideA, sBb: strideB, sCb: m * n, batches: full, heads: 1})
	if rest > 0 {
		b.gemmF32(gemmF32{c: parts + uint64(4*full*m*n), a: addr(x) + uint64(4*full*strideA),
			b: addr(y) + uint64(4*full*strideB), m: m, n: n, k: rest, lda: lda, ldb: ldb, ldc: n,
			ta: transA, tb: transB, alpha: 1, batches: 1, heads: 1})
	}
	b.sumSlices(out, parts, slices, beta)
}

// sliceParts returns the split scratch for n floats of partial products.
func (b *Backend) sliceParts(n int) uint64 {
	return addr(b.grow(&b.split.parts, tensor.F32, n))
}

// sumSlices sets out = sum of the slices partial products at parts (each
// out's size and layout, summed in order) + beta out.
func (b *Backend) sumSlices(out *tensor.Tensor, parts uint64, slices int, beta float32) {
	if slices > splitKMaxS {
		panic(fmt.Sprintf("cuda: %d K slices, at most %d", slices, splitKMaxS))
	}
	if n := out.Len(); n > 0 {
		b.launch("sum_slices_f32", ewGrid(n), block256, 0, ptr(out), argPtr(parts), argI32(n), argI32(slices),
			argF32(beta))
	}
}

// Thin products (gemm_f32_thin): C with at most thinN columns, or rows
// (through C^T = op(B)^T op(A)^T), and a long other side. One thread per
// row of the long side, K split over grid.y slices summed like split-K.
const (
	thinN      = 16  // THIN_N of gemm_f32.cu
	thinRows   = 128 // THIN_ROWS: rows per block
	thinK      = 32  // THIN_K: K tile
	thinTarget = 264 // aim for about this many blocks (two per SM on a 132-SM H100/H200)
)

// thinSlices returns the K slice length (a multiple of thinK) and the
// number of slices for a thin product with rows long-side rows.
func thinSlices(rows, k int) (kSlice, slices int) {
	blocks := (rows + thinRows - 1) / thinRows
	s := min((thinTarget+blocks-1)/blocks, max((k+4*thinK-1)/(4*thinK), 1), splitKMaxS) // >= 4 K tiles a slice
	kSlice = ((k+s-1)/s + thinK - 1) / thinK * thinK
	return kSlice, (k + kSlice - 1) / kSlice
}

// thinDrop is a dropout applied to one operand of a thin product on the
// fly (gemm_f32_thin_drop): operand which (0: x, 1: y) times
// dropout_mask(seed, element, p, keep).
type thinDrop struct {
	which   int
	p, keep float32
	seed    uint64
}

// matMulThin runs a 2-D float32 product on gemm_f32_thin when C is thin
// (with drop, gemm_f32_thin_drop); it reports whether it did.
func (b *Backend) matMulThin(out, x, y *tensor.Tensor, transA, transB bool, beta float32, m, n, k, lda, ldb int,
	drop *thinDrop) bool {
	A, B, ta, tb, M, N, ldA, ldB, transC := addr(x), addr(y), transA, transB, m, n, lda, ldb, false
	dropA := drop != nil && drop.which == 0
	if k == 0 {
		return false // no K slices to split; gemm_f32 writes beta * C
	}
	switch {
	case n <= thinN && m >= 2*thinN:
	case m <= thinN && n >= 2*thinN: // C^T (n, m) = op(B)^T op(A)^T
		A, B, ta, tb, M, N, ldA, ldB, transC = addr(y), addr(x), !transB, !transA, n, m, ldb, lda, true
		dropA = drop != nil && drop.which == 1
	default:
		return false
	}
	kSlice, slices := thinSlices(M, k)
	// float4 loads of op(A) (thin_load_a4): aligned, and 4-element chunks
	// along A's stored rows never straddle the matrix's edge.
	extent := k
	if ta {
		extent = M
	}
	vecA := !b.thinScalar && A%16 == 0 && ldA%4 == 0 && extent%4 == 0
	suffix := "" // gemm_f32_thin{,_drop}{,_pf,_pf8}
	if vecA && b.thinPrefetch {
		suffix = "_pf"
		if N <= 8 {
			suffix = "_pf8"
		}
	}
	launch := func(c uint64, beta float32, sC int) {
		grid := [3]int{(M + thinRows - 1) / thinRows, slices, 1}
		args := []arg{argPtr(c), argPtr(A), argPtr(B), argI32(M), argI32(N), argI32(k), argI32(max(ldA, 1)),
			argI32(max(ldB, 1)), argI32(n), argBool(ta), argBool(tb), argBool(transC), argF32(1), argF32(beta),
			argI32(kSlice), argI64(sC)}
		if drop == nil {
			b.launch("gemm_f32_thin"+suffix, grid, [3]int{thinRows, 1, 1}, 0, append(args, argBool(vecA))...)
			return
		}
		args = append(args, argF32(drop.p), argF32(drop.keep), argU64(drop.seed), argBool(dropA), argBool(!dropA),
			argBool(vecA))
		b.launch("gemm_f32_thin_drop"+suffix, grid, [3]int{thinRows, 1, 1}, 0, args...)
	}
	if slices == 1 {
		launch(addr(out), beta, 0)
		return true
	}
	parts := b.sliceParts(slices * m * n)
	launch(parts, 0, m*n) // slice s: partial C at parts + s*m*n, C's layout
	b.sumSlices(out, parts, slices, beta)
	return true
}

// MatMul implements tensor.MatMuler.
func (b *Backend) MatMul(out, x, y *tensor.Tensor, transA, transB bool, beta float32) {
	b.matMul(out, x, y, transA, transB, beta, nil)
}

// matMul is MatMul; with drop (MatMulDropIn), one operand is dropped out:
// on the fly in a thin product, else through the unfused ops
// (matMulDropUnfused).
func (b *Backend) matMul(out, x, y *tensor.Tensor, transA, transB bool, beta float32, drop *thinDrop) {
	needF32("MatMul", out)
	var bt, m, n, k, lda, ldb int
	if y.Rank() == 3 {
		if x.Rank() != 3 || out.Rank() != 3 || x.Dim(0) != y.Dim(0) || out.Dim(0) != y.Dim(0) {
			panic(fmt.Sprintf("cuda: MatMul: batched out %v, a %v, b %v", out, x, y))
		}
		bt, m, k, lda = y.Dim(0), x.Dim(1), x.Dim(2), x.Dim(2)
	} else if y.Rank() == 2 {
		bt, m, k, lda = 1, x.Rows(), x.Cols(), x.Cols()
	} else {
		panic(fmt.Sprintf("cuda: MatMul: b %v must have rank 2 or 3", y))
	}
	if transA {
		m, k = k, m
	}
	kb, nb := y.Dim(-2), y.Dim(-1)
	ldb = nb
	if transB {
		kb, nb = nb, kb
	}
	n = nb
	if k != kb || out.Len() != bt*m*n || out.Cols() != n {
		panic(fmt.Sprintf("cuda: MatMul: out %v = a %v (T=%v) @ b %v (T=%v)", out, x, transA, y, transB))
	}
	if m == 0 || n == 0 || bt == 0 {
		return
	}
	sA, sB, sC := m*k, k*n, m*n
	f32 := x.DType() == tensor.F32 && y.DType() == tensor.F32
	if drop != nil {
		if !(f32 && bt == 1 && b.matMulThin(out, x, y, transA, transB, beta, m, n, k, lda, ldb, drop)) {
			b.matMulDropUnfused(out, x, y, transA, transB, beta, drop)
		}
		return
	}
	if f32 {
		if bt == 1 {
			if b.matMulThin(out, x, y, transA, transB, beta, m, n, k, lda, ldb, nil) {
				return
			}
			if s := splitKSlices(m, n, k); s > 1 {
				b.matMulSplitK(out, x, y, transA, transB, beta, m, n, k, lda, ldb, s)
				return
			}
		}
		b.gemmF32(gemmF32{c: addr(out), a: addr(x), b: addr(y), m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: n,
			ta: transA, tb: transB, alpha: 1, beta: beta, sAb: sA, sBb: sB, sCb: sC, batches: bt, heads: 1})
		return
	}
	v := bf16Variant(b.GEMMChoice(m, n, bt, transA, transB)) // tn on v3l or v3k: their fallbacks (v3k, v3a)
	name := v.kernel(transA, transB)
	if _, ok := b.funcs[name]; !ok { // a wgmma variant off Hopper
		panic(fmt.Sprintf("cuda: BF16 GEMM variant %s (module %s) does not run on this device (%s)", v.name, v.module, b.name))
	}
	xa, ya := b.asBF16(0, x), b.asBF16(1, y)
	if v.tma() {
		if b.gemmTMA(v, out, xa, ya, transA, transB, beta, bt, m, n, k, lda, ldb) {
			return
		}
		v = bf16Variant(v.plain) // operands the TMA cannot read: the same tile with threads' copies
		name = v.kernel(transA, transB)
	}
	// The contiguous extent of each stored operand decides 16-byte copies.
	extA, extB := k, n
	if transA {
		extA = m
	}
	if transB {
		extB = k
	}
	vec := func(p uint64, ext, ld, stride int) bool {
		return p%16 == 0 && ext%8 == 0 && ld%8 == 0 && (bt == 1 || stride%8 == 0)
	}
	b.launch(name, v.grid(m, n, bt, transA, transB), [3]int{v.threads, 1, 1}, v.smem,
		ptr(out), argPtr(xa), argPtr(ya), argI32(m), argI32(n), argI32(k), argI32(max(lda, 1)),
		argI32(max(ldb, 1)), argI32(n), argF32(1), argF32(beta), argI64(sA), argI64(sB), argI64(sC),
		argBool(vec(xa, extA, lda, sA)), argBool(vec(ya, extB, ldb, sB)))
}

// gemmTMA launches TMA variant v (gemm_tma.cu) for out = op(xa) op(ya) +
// beta out over bt batches, with the tensor maps of both operands; it
// reports false, launching nothing, when the TMA cannot read an operand
// (alignment, strides) or K is 0.
func (b *Backend) gemmTMA(v gemmBF16, out *tensor.Tensor, xa, ya uint64, transA, transB bool, beta float32,
	bt, m, n, k, lda, ldb int) bool {
	if k == 0 {
		return false
	}
	// A stored (m, k) is K-major: boxes of 64 k x bm rows; stored (k, m),
	// boxes of 64 m x 64 k. B likewise with n. A kernel that computes C^T
	// (v3l's nn) reads A as its K-major B: boxes of bn rows.
	aRows := v.bm
	if v.kMajorOnly() && !transA && !transB {
		aRows = v.bn
	}
	ma, okA := tmaOperand(xa, m, k, lda, bt, m*k, aRows)
	if transA {
		ma, okA = tmaOperand(xa, k, m, lda, bt, m*k, 64)
	}
	mb, okB := tmaOperand(ya, k, n, ldb, bt, k*n, 64)
	if transB {
		mb, okB = tmaOperand(ya, n, k, ldb, bt, k*n, v.bn)
	}
	if !okA || !okB {
		return false
	}
	grid := v.grid(m, n, bt, transA, transB)
	b.launch(v.kernel(transA, transB), grid, [3]int{v.threads, 1, 1}, v.smem, ptr(out), argPtr(b.tensorMap(ma)),
		argPtr(b.tensorMap(mb)), argI32(m), argI32(n), argI32(k), argI32(n), argF32(1), argF32(beta), argI64(m*n),
		argI32(bt))
	return true
}

// asBF16 returns the device address of t as BF16, converting F32 into
// scratch buffer slot i (grown on demand; reuse is ordered by the stream).
func (b *Backend) asBF16(i int, t *tensor.Tensor) uint64 {
	switch t.DType() {
	case tensor.BF16:
		return addr(t)
	case tensor.F32:
		s := b.grow(&b.scratch[i], tensor.BF16, t.Len()).View(0, t.Len())
		b.Copy(s, t)
		return addr(s)
	}
	panic(fmt.Sprintf("cuda: MatMul: operand %v must be F32 or BF16", t))
}

// gemmBF16 is one tile configuration of the tensor-core GEMM
// (kernels/gemm_bf16.cu and kernels/gemm_wgmma.cu, which explain each):
// kernels <prefix>_{nn,nt,tn,tt}, all with the same parameters and
// contract.
type gemmBF16 struct {
	name, prefix    string
	bm, bn, threads int    // C tile per block, threads per block
	smem            int    // dynamic shared memory in bytes (the PTX constant <prefix>_smem), 0 if none
	module          string // the kernels' module: gemm_wgmma and gemm_tma run on compute capability 9.0 only
	// plain names the variant that runs the products this one cannot: for a
	// TMA variant (gemm_tma.cu: operands read through tensor maps), those
	// whose operands the TMA cannot read (the same tile with threads'
	// copies); for v3k, the tn layout it has no kernel for; "" for the others
	plain string
}

// kMajorOnly reports whether v's tile width is not whole 64-element
// swizzle atoms (v3k, v3l: 208), so that its B tile can only be K-major:
// its nn kernel computes C^T (tiles bm columns by bn rows of C), and it
// has no tn kernel (both operands MN-major).
func (v gemmBF16) kMajorOnly() bool { return v.bn%64 != 0 }

// tma reports whether v reads its operands through tensor maps.
func (v gemmBF16) tma() bool { return v.module == "gemm_tma" }

// has reports whether v has a kernel for the layout (else plain runs it).
func (v gemmBF16) has(transA, transB bool) bool { return !(v.kMajorOnly() && transA && !transB) }

// grid returns the launch grid of v's kernel for bt products of (m, n)
// outputs in the layout: one block per C tile, batches on z.
func (v gemmBF16) grid(m, n, bt int, transA, transB bool) [3]int {
	if v.kMajorOnly() && !transA && !transB { // tiles of C^T
		m, n = n, m
	}
	return [3]int{(n + v.bn - 1) / v.bn, (m + v.bm - 1) / v.bm, bt}
}

// gemmBF16Variants is the variant table: the variants a default can pick
// and one reference. v1 is the first kernel (128 x 128, two stages, static
// shared memory), kept as the verified reference; v2a (mma.sync, sm_80 and
// later) is the default off Hopper; v3a and v3b are the wgmma kernels of
// Hopper (sm_90a PTX, loaded only on such a device) and v3k is v3a on 128 x
// 208 tiles, its nn kernel computing C^T, with no tn kernel; v3g, v3h and
// v3l are v3a's, v3b's and v3k's tiles with the operands copied by the
// TMA, the default's choices on Hopper (auto-tma-k). Each names the
// variant that runs what it cannot (plain). The ablations that no default
// picks (v2b, v2c, v2d, v3c, v3d, v3e, v3f, v3i, v3j) were removed;
// results/gpu-changes.md keeps what they measured and where their source is.
var gemmBF16Variants = []gemmBF16{
	{"v1", "gemm_bf16", 128, 128, 256, 0, "gemm_bf16", ""},
	{"v2a", "gemm_bf16_v2a", 128, 256, 256, 122880, "gemm_bf16", ""},
	{"v3a", "gemm_wgmma_v3a", 128, 256, 256, 197632, "gemm_wgmma", ""},
	{"v3b", "gemm_wgmma_v3b", 128, 128, 256, 197632, "gemm_wgmma", ""},
	{"v3k", "gemm_wgmma_v3k", 128, 208, 256, 216064, "gemm_wgmma", "v3a"},
	{"v3g", "gemm_tma_v3g", 128, 256, 384, 197696, "gemm_tma", "v3a"},
	{"v3h", "gemm_tma_v3h", 128, 128, 384, 197728, "gemm_tma", "v3b"},
	{"v3l", "gemm_tma_v3l", 128, 208, 384, 216144, "gemm_tma", "v3k"},
}

// GEMMVariant returns the BF16 GEMM variant or per-product mode b's
// products use: the one Options.GEMMVariant or SetGEMMVariant named, else
// the device's default. On compute capability 9.0 the default is
// auto-tma-k (v3g, v3h or v3l per product, their TMA kernels falling back
// to v3a, v3b or v3k for operands the TMA cannot read), or auto (v3a or
// v3b) where the TMA kernels do not load; v2a elsewhere. The step times
// that chose these defaults are in results/README.md.
func (b *Backend) GEMMVariant() string {
	if b.gemmVariant != "" {
		return b.gemmVariant
	}
	return b.gemmDefault
}

// SetGEMMVariant makes b's BF16 products run on variant or per-product
// mode v ("" for the device's default) from the next MatMul on; it
// refuses a name CheckGEMMVariant refuses. Like every op it is called
// from the goroutine that drives b.
func (b *Backend) SetGEMMVariant(v string) error {
	if v != "" {
		if err := b.CheckGEMMVariant(v); err != nil {
			return err
		}
	}
	b.gemmVariant = v
	return nil
}

// bf16For returns the variant for a product of batches (m, n) outputs in
// the layout (transA, transB). A per-product mode (autoGEMMCandidates)
// takes, among its candidates that have a kernel for the layout, the one
// tileCost rates fastest, the first on a tie. Where the wgmma kernels do
// not load it runs v2a, the default there.
func (b *Backend) bf16For(m, n, batches int, transA, transB bool) gemmBF16 {
	v := b.GEMMVariant()
	if !isAuto(v) {
		return bf16Variant(v)
	}
	names := autoGEMMCandidates[v]
	if first := bf16Variant(names[0]); b.runsVariant(first) { // the others load with it, or are skipped below
		pick, best := first, tileCost(first, m, n, batches, transA, transB, b.sms)
		for _, name := range names[1:] {
			c := bf16Variant(name)
			if !c.has(transA, transB) || !b.runsVariant(c) {
				continue
			}
			if cost := tileCost(c, m, n, batches, transA, transB, b.sms); cost < best {
				pick, best = c, cost
			}
		}
		return pick
	}
	return bf16Variant("v2a")
}

// autoGEMMCandidates are the variants each per-product mode chooses among
// (bf16For): "auto" v3a or v3b (128 x 256 or 128 x 128 tiles, threads'
// copies), "auto-tma" v3g or v3h (the same tiles with TMA copies),
// "auto-k" and "auto-tma-k" the same and 128 x 208 tiles (v3k, v3l). The
// first of each has every layout. Their step times are in results/.
var autoGEMMCandidates = map[string][]string{
	"auto":       {"v3a", "v3b"},
	"auto-tma":   {"v3g", "v3h"},
	"auto-k":     {"v3a", "v3b", "v3k"},
	"auto-tma-k": {"v3g", "v3h", "v3l"},
}

// AutoGEMMModes are the GEMM variant names that choose a variant
// per product (bf16For), in the order of autoGEMMCandidates' comment.
var AutoGEMMModes = []string{"auto", "auto-tma", "auto-k", "auto-tma-k"}

// isAuto reports whether GEMM variant name v chooses per product.
func isAuto(v string) bool { return slices.Contains(AutoGEMMModes, v) }

// knownGEMMVariant reports an error unless v names a per-product mode or a
// variant of the table.
func knownGEMMVariant(v string) error {
	if isAuto(v) || slices.Contains(GEMMBF16Variants(), v) {
		return nil
	}
	return fmt.Errorf("want one of %v or %v", AutoGEMMModes, GEMMBF16Variants())
}

// CheckGEMMVariant reports whether v (a value of Options.GEMMVariant)
// can run on b: a per-product mode, or a variant
// whose kernels b's device loaded.
func (b *Backend) CheckGEMMVariant(v string) error {
	if err := knownGEMMVariant(v); err != nil {
		return err
	}
	if isAuto(v) || b.runsVariant(bf16Variant(v)) {
		return nil
	}
	why := fmt.Sprintf("compute capability %d.%d", b.cc/10, b.cc%10)
	if err := b.skipped[bf16Variant(v).module]; err != nil {
		why = err.Error()
	}
	return fmt.Errorf("its kernels (%s) do not run here: %s", bf16Variant(v).module, why)
}

// GEMMChoice returns the variant a BF16 product of batches (m, n) outputs
// in the layout runs on: GEMMVariant's, chosen per product where it is a
// per-product mode, then its fallback for a layout it has no kernel for.
// (A TMA variant also falls back, at the launch, for operands the TMA
// cannot read.)
func (b *Backend) GEMMChoice(m, n, batches int, transA, transB bool) string {
	v := b.bf16For(m, n, batches, transA, transB)
	for !v.has(transA, transB) {
		v = bf16Variant(v.plain)
	}
	return v.name
}

// waves returns how many rounds of one block per multiprocessor a launch
// grid takes on sms multiprocessors.
func waves(grid [3]int, sms int) int {
	tiles := grid[0] * grid[1] * grid[2]
	return (tiles + sms - 1) / max(sms, 1)
}

// tileCost models the time of a wgmma product on variant v: waves (one
// block per multiprocessor) times the time of one tile, tileTime.
func tileCost(v gemmBF16, m, n, batches int, transA, transB bool, sms int) int {
	return waves(v.grid(m, n, batches, transA, transB), sms) * tileTime[v.name]
}

// tileTime is the time one block of a wgmma variant takes over its tile, in
// hundredths of a v3a block's: each ratio of two variants' TFLOP/s at one
// shape, times the ratio of their waves, from the GEMM rows of run 10 on an
// H100 (results/README.md, "Runs 10-12"; the ranges in results/gpu-changes.md).
var tileTime = map[string]int{
	"v3a": 100, "v3b": 54, "v3k": 100,
	"v3g": 71, "v3h": 44, "v3l": 67,
}

// GEMMBF16Variants returns the names of the tensor-core GEMM variants.
func GEMMBF16Variants() []string {
	var names []string
	for _, v := range gemmBF16Variants {
		names = append(names, v.name)
	}
	return names
}

// bf16Variant returns the variant called name; it panics on an unknown name.
func bf16Variant(name string) gemmBF16 {
	for _, v := range gemmBF16Variants {
		if v.name == name {
			return v
		}
	}
	panic(fmt.Sprintf("cuda: unknown BF16 GEMM variant %q (have %v)", name, GEMMBF16Variants()))
}

// RunnableGEMMVariants returns the BF16 GEMM variants whose kernels are
// loaded on b's device (the wgmma ones need compute capability 9.0).
func (b *Backend) RunnableGEMMVariants() []string {
	var out []string
	for _, v := range gemmBF16Variants {
		if b.runsVariant(v) {
			out = append(out, v.name)
		}
	}
	return out
}

// runsVariant reports whether v's kernels are loaded on b's device (the
// sm_90a ones are not on other GPUs), and for a TMA variant its fallback's
// too (the two modules load apart).
func (b *Backend) runsVariant(v gemmBF16) bool {
	_, ok := b.funcs[v.kernel(false, false)]
	return ok && (v.plain == "" || b.runsVariant(bf16Variant(v.plain)))
}

// kernel returns the variant's kernel for the layouts: n = op(X) is X, t =
// X stored transposed.
func (v gemmBF16) kernel(transA, transB bool) string {
	return v.prefix + "_" + [4]string{"nn", "nt", "tn", "tt"}[boolInt(transA)*2+boolInt(transB)]
}

// dynamicSmem maps every kernel launched with more dynamic shared memory
// than the default limit (48 KiB) to its size: the device raises each
// kernel's limit to it once, after loading the module.
func dynamicSmem() map[string]int {
	out := map[string]int{}
	for _, v := range gemmBF16Variants {
		if v.smem > 0 {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					if v.has(ta, tb) {
						out[v.kernel(ta, tb)] = v.smem
					}
				}
			}
		}
	}
	return out
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// MatMulSharedInput implements tensor.SharedInputMatMuler: outs[i] = x @
// ws[i]^T. With an F32 x and BF16 weights, x is rounded to BF16 once (into
// MatMul's first conversion slot) instead of once per product; the
// products then read it as it is, so the results are those of separate
// MatMuls, bit for bit.
func (b *Backend) MatMulSharedInput(outs []*tensor.Tensor, x *tensor.Tensor, ws []*tensor.Tensor) {
	if len(outs) != len(ws) {
		panic(fmt.Sprintf("cuda: MatMulSharedInput: %d outputs for %d weights", len(outs), len(ws)))
	}
	xb := x
	if x.DType() == tensor.F32 && len(ws) > 1 && !slices.ContainsFunc(ws, func(w *tensor.Tensor) bool {
		return w.DType() != tensor.BF16
	}) {
		xb = b.grow(&b.scratch[0], tensor.BF16, x.Len()).View(0, x.Shape()...)
		b.Copy(xb, x)
	}
	for i, w := range ws {
		b.MatMul(outs[i], xb, w, false, true, 0)
	}
}
