// MatMul and the materialised attention built on it.
//
// MatMul picks the kernel by dtype: all-F32 operands run gemm_f32 (float32
// FFMA, exact to float32 rounding); if either operand is BF16 (a frozen
// base weight), the other is rounded to BF16 in a scratch buffer and the
// product runs on the tensor cores (gemm_bf16_*, float32 accumulation). out
// is always F32.

package cuda

import (
	"fmt"
	"math"

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

// MatMul implements tensor.MatMuler.
func (b *Backend) MatMul(out, x, y *tensor.Tensor, transA, transB bool, beta float32) {
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
	if x.DType() == tensor.F32 && y.DType() == tensor.F32 {
		b.gemmF32(gemmF32{c: addr(out), a: addr(x), b: addr(y), m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: n,
			ta: transA, tb: transB, alpha: 1, beta: beta, sAb: sA, sBb: sB, sCb: sC, batches: bt, heads: 1})
		return
	}
	xa, ya := b.asBF16(0, x), b.asBF16(1, y)
	v := bf16Variant(GEMMBF16Variant)
	name := v.kernel(transA, transB)
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
	b.launch(name, [3]int{(n + v.bn - 1) / v.bn, (m + v.bm - 1) / v.bm, bt}, [3]int{v.threads, 1, 1}, v.smem,
		ptr(out), argPtr(xa), argPtr(ya), argI32(m), argI32(n), argI32(k), argI32(max(lda, 1)),
		argI32(max(ldb, 1)), argI32(n), argF32(1), argF32(beta), argI64(sA), argI64(sB), argI64(sC),
		argBool(vec(xa, extA, lda, sA)), argBool(vec(ya, extB, ldb, sB)))
}

// asBF16 returns the device address of t as BF16, converting F32 into
// scratch buffer slot i (grown on demand; reuse is ordered by the stream).
func (b *Backend) asBF16(i int, t *tensor.Tensor) uint64 {
	switch t.DType() {
	case tensor.BF16:
		return addr(t)
	case tensor.F32:
		if b.scratch[i] == nil || b.scratch[i].Len() < t.Len() {
			b.scratch[i] = b.New(tensor.BF16, t.Len())
		}
		s := b.scratch[i].View(0, t.Len())
		b.Copy(s, t)
		return addr(s)
	}
	panic(fmt.Sprintf("cuda: MatMul: operand %v must be F32 or BF16", t))
}

// gemmBF16 is one tile configuration of the tensor-core GEMM
// (kernels/gemm_bf16.cu, which explains each): kernels
// <prefix>_{nn,nt,tn,tt}, all with the same parameters and contract.
type gemmBF16 struct {
	name, prefix    string
	bm, bn, threads int // C tile per block, threads per block
	smem            int // dynamic shared memory in bytes (the PTX constant <prefix>_smem), 0 if none
}

// gemmBF16Variants is the variant table. v1 is the first kernel (128 x 128,
// two stages, static shared memory), kept as the verified baseline.
var gemmBF16Variants = []gemmBF16{
	{"v1", "gemm_bf16", 128, 128, 256, 0},
	{"v2a", "gemm_bf16_v2a", 128, 256, 256, 122880},
	{"v2b", "gemm_bf16_v2b", 128, 128, 128, 81920},
	{"v2c", "gemm_bf16_v2c", 256, 128, 256, 122880},
}

// GEMMBF16Variant names the entry of the variant table (GEMMBF16Variants)
// that MatMul uses for BF16 products. Set it before a Backend runs
// products (it is read at every MatMul, without synchronisation).
var GEMMBF16Variant = "v2a"

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
					out[v.kernel(ta, tb)] = v.smem
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

type attnShape struct{ B, Tq, Tk, NH, NKV, HS int }

func attnCheck(op string, out, probs, q, k, v *tensor.Tensor, heads, kvHeads int) attnShape {
	needF32(op, out, probs, q, k, v)
	if q.Rank() != 3 || k.Rank() != 3 || heads <= 0 || kvHeads <= 0 || heads%kvHeads != 0 || q.Dim(2)%heads != 0 {
		panic(fmt.Sprintf("cuda: %s: q %v, k %v, heads %d/%d", op, q, k, heads, kvHeads))
	}
	s := attnShape{B: q.Dim(0), Tq: q.Dim(1), Tk: k.Dim(1), NH: heads, NKV: kvHeads, HS: q.Dim(2) / heads}
	if k.Dim(0) != s.B || k.Dim(2) != kvHeads*s.HS || !tensor.SameShape(k, v) || !tensor.SameShape(out, q) ||
		probs.Len() != s.B*s.NH*s.Tq*s.Tk {
		panic(fmt.Sprintf("cuda: %s: out %v, probs %v, q %v, k %v, v %v, heads %d/%d",
			op, out, probs, q, k, v, heads, kvHeads))
	}
	return s
}

// AttentionForward implements tensor.Attention, materialised: scores =
// scale Q K^T into probs, the masked softmax in place, out = P V.
func (b *Backend) AttentionForward(out, probs, q, k, v *tensor.Tensor, keyMask []int32, heads, kvHeads int) {
	s := attnCheck("AttentionForward", out, probs, q, k, v, heads, kvHeads)
	if keyMask != nil && len(keyMask) != s.B*s.Tk {
		panic(fmt.Sprintf("cuda: AttentionForward: key mask of %d for (%d, %d)", len(keyMask), s.B, s.Tk))
	}
	if s.Tq == 0 || s.Tk == 0 {
		b.Fill(out, 0)
		return
	}
	qC, kC, TT := s.NH*s.HS, s.NKV*s.HS, s.Tq*s.Tk
	group := s.NH / s.NKV
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	b.gemmF32(gemmF32{c: addr(probs), a: addr(q), b: addr(k), m: s.Tq, n: s.Tk, k: s.HS,
		lda: qC, ldb: kC, ldc: s.Tk, tb: true, alpha: scale,
		sAb: s.Tq * qC, sAh: s.HS, sBb: s.Tk * kC, sBh: s.HS, sCb: s.NH * TT, sCh: TT,
		batches: s.B, heads: s.NH, group: group})
	mask := b.ring.put(keyMask)
	rows := s.B * s.NH * s.Tq
	b.launch("masked_softmax_f32", [3]int{(rows + 3) / 4, 1, 1}, [3]int{128, 1, 1}, 0, ptr(probs), argPtr(mask),
		argI32(rows), argI32(s.NH), argI32(s.Tq), argI32(s.Tk))
	b.gemmF32(gemmF32{c: addr(out), a: addr(probs), b: addr(v), m: s.Tq, n: s.HS, k: s.Tk,
		lda: s.Tk, ldb: kC, ldc: qC, alpha: 1,
		sAb: s.NH * TT, sAh: TT, sBb: s.Tk * kC, sBh: s.HS, sCb: s.Tq * qC, sCh: s.HS,
		batches: s.B, heads: s.NH, group: group})
}

// AttentionBackward implements tensor.Attention. dV and dK of a key/value
// head sum over its group of query heads: one launch per member of the
// group, the first overwriting and the rest accumulating.
func (b *Backend) AttentionBackward(dq, dk, dv, dOut, q, k, v, probs *tensor.Tensor, heads, kvHeads int) {
	s := attnCheck("AttentionBackward", dOut, probs, q, k, v, heads, kvHeads)
	needF32("AttentionBackward", dq, dk, dv)
	if !tensor.SameShape(dq, q) || !tensor.SameShape(dk, k) || !tensor.SameShape(dv, v) {
		panic(fmt.Sprintf("cuda: AttentionBackward: dq %v, dk %v, dv %v", dq, dk, dv))
	}
	if s.Tq == 0 || s.Tk == 0 {
		b.Fill(dq, 0)
		b.Fill(dk, 0)
		b.Fill(dv, 0)
		return
	}
	qC, kC, TT := s.NH*s.HS, s.NKV*s.HS, s.Tq*s.Tk
	group := s.NH / s.NKV
	scale := float32(1 / math.Sqrt(float64(s.HS)))
	if b.attnDP == nil || b.attnDP.Len() < probs.Len() {
		b.attnDP = b.New(tensor.F32, probs.Len())
	}
	dP := addr(b.attnDP)
	P := addr(probs)
	for g := 0; g < group; g++ { // dV (Tk, HS) (+)= P_h^T dO_h, h = kv*group + g
		b.gemmF32(gemmF32{c: addr(dv), a: P + uint64(4*g*TT), b: addr(dOut) + uint64(4*g*s.HS),
			m: s.Tk, n: s.HS, k: s.Tq, lda: s.Tk, ldb: qC, ldc: kC, ta: true, alpha: 1, beta: float32(min(g, 1)),
			sAb: s.NH * TT, sAh: group * TT, sBb: s.Tq * qC, sBh: group * s.HS, sCb: s.Tk * kC, sCh: s.HS,
			batches: s.B, heads: s.NKV, group: 1})
	}
	// dP (Tq, Tk) = dO_h V^T
	b.gemmF32(gemmF32{c: dP, a: addr(dOut), b: addr(v), m: s.Tq, n: s.Tk, k: s.HS,
		lda: qC, ldb: kC, ldc: s.Tk, tb: true, alpha: 1,
		sAb: s.Tq * qC, sAh: s.HS, sBb: s.Tk * kC, sBh: s.HS, sCb: s.NH * TT, sCh: TT,
		batches: s.B, heads: s.NH, group: group})
	rows := s.B * s.NH * s.Tq
	b.launch("softmax_backward_f32", [3]int{(rows + 3) / 4, 1, 1}, [3]int{128, 1, 1}, 0, argPtr(dP), ptr(probs),
		argI32(rows), argI32(s.Tk))
	// dQ (Tq, HS) = scale dS K
	b.gemmF32(gemmF32{c: addr(dq), a: dP, b: addr(k), m: s.Tq, n: s.HS, k: s.Tk,
		lda: s.Tk, ldb: kC, ldc: qC, alpha: scale,
		sAb: s.NH * TT, sAh: TT, sBb: s.Tk * kC, sBh: s.HS, sCb: s.Tq * qC, sCh: s.HS,
		batches: s.B, heads: s.NH, group: group})
	for g := 0; g < group; g++ { // dK (Tk, HS) (+)= scale dS_h^T Q_h
		b.gemmF32(gemmF32{c: addr(dk), a: dP + uint64(4*g*TT), b: addr(q) + uint64(4*g*s.HS),
			m: s.Tk, n: s.HS, k: s.Tq, lda: s.Tk, ldb: qC, ldc: kC, ta: true, alpha: scale, beta: float32(min(g, 1)),
			sAb: s.NH * TT, sAh: group * TT, sBb: s.Tq * qC, sBh: group * s.HS, sCb: s.Tk * kC, sCh: s.HS,
			batches: s.B, heads: s.NKV, group: 1})
	}
}
