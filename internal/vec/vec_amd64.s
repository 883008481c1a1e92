// vec_amd64.s: AVX2/FMA dot product and axpy for vec_amd64.go. Lengths are
// multiples of 8 (the Go side handles tails). Go assembler operand order:
// sources first, destination last; VFMADD231PS m, a, acc computes acc += a*m.

//go:build amd64 && !purego

#include "textflag.h"

// func axpyAVX2(alpha float32, x, y *float32, n int)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX
axpy32:
	CMPQ CX, $32
	JLT  axpy8
	VMOVUPS (DI), Y1
	VMOVUPS 32(DI), Y2
	VMOVUPS 64(DI), Y3
	VMOVUPS 96(DI), Y4
	VFMADD231PS (SI), Y0, Y1
	VFMADD231PS 32(SI), Y0, Y2
	VFMADD231PS 64(SI), Y0, Y3
	VFMADD231PS 96(SI), Y0, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  axpy32
axpy8:
	CMPQ CX, $8
	JLT  axpydone
	VMOVUPS (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  axpy8
axpydone:
	VZEROUPPER
	RET

// func dotRowsAVX2(scale float32, q, k *float32, stride, n, hs int, out *float32)
// out[t] = scale * dot(q, k[t*stride:][:hs]) for t < n (hs a multiple of
// 8): four 8-lane accumulators over blocks of 32, one over the blocks of 8
// left, then the lanes added. Dot is the one-row case with scale 1.
TEXT ·dotRowsAVX2(SB), NOSPLIT, $0-56
	VMOVSS scale+0(FP), X8
	MOVQ q+8(FP), R8
	MOVQ k+16(FP), DI
	MOVQ stride+24(FP), R9
	SHLQ $2, R9
	MOVQ n+32(FP), R10
	MOVQ hs+40(FP), R11
	MOVQ out+48(FP), DX
drows:
	TESTQ R10, R10
	JZ    drdone
	MOVQ  R8, SI
	MOVQ  DI, BX
	MOVQ  R11, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
dr32:
	CMPQ CX, $32
	JLT  dr8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (BX), Y4, Y0
	VFMADD231PS 32(BX), Y5, Y1
	VFMADD231PS 64(BX), Y6, Y2
	VFMADD231PS 96(BX), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, BX
	SUBQ $32, CX
	JMP  dr32
dr8:
	CMPQ CX, $8
	JLT  drsum
	VMOVUPS (SI), Y4
	VFMADD231PS (BX), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, BX
	SUBQ $8, CX
	JMP  dr8
drsum:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMULSS X8, X0, X0
	VMOVSS X0, (DX)
	ADDQ $4, DX
	ADDQ R9, DI
	DECQ R10
	JMP  drows
drdone:
	VZEROUPPER
	RET

// func axpyRowsAVX2(p, v *float32, stride, n, hs int, o *float32)
// o[:hs] += p[t] * v[t*stride:][:hs] for t < n in key order, skipping
// p[t] == 0 (as Go compares: NaN is not skipped): per element the same
// fused multiply-adds, in the same order, as axpyAVX2 called once per key.
// Eight columns at a time, the keys inner.
TEXT ·axpyRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), R8
	MOVQ v+8(FP), DI
	MOVQ stride+16(FP), R9
	SHLQ $2, R9
	MOVQ n+24(FP), R10
	MOVQ hs+32(FP), R11
	MOVQ o+40(FP), DX
	VXORPS X15, X15, X15
acols:
	CMPQ R11, $8
	JLT  adone
	VMOVUPS (DX), Y0
	MOVQ R8, SI
	MOVQ DI, BX
	MOVQ R10, CX
akeys:
	TESTQ CX, CX
	JZ    astore
	VMOVSS (SI), X1
	VUCOMISS X15, X1
	JNE  afma
	JPS  afma
	JMP  anext
afma:
	VBROADCASTSS (SI), Y1
	VFMADD231PS (BX), Y1, Y0
anext:
	ADDQ $4, SI
	ADDQ R9, BX
	DECQ CX
	JMP  akeys
astore:
	VMOVUPS Y0, (DX)
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, R11
	JMP  acols
adone:
	VZEROUPPER
	RET

// func maxAVX2(x *float32, n int) (mx float32, nan bool)
// The largest of x[:n] (n a positive multiple of 8), and whether any is a
// NaN (VMAXPS alone would drop it).
TEXT ·maxAVX2(SB), NOSPLIT, $0-21
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVUPS (SI), Y0
	VCMPPS $3, Y0, Y0, Y2
	ADDQ $32, SI
	SUBQ $8, CX
mloop:
	TESTQ CX, CX
	JZ    mdone
	VMOVUPS (SI), Y1
	VMAXPS Y0, Y1, Y0
	VCMPPS $3, Y1, Y1, Y3
	VORPS Y3, Y2, Y2
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  mloop
mdone:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, mx+16(FP)
	VMOVMSKPS Y2, AX
	TESTL AX, AX
	SETNE nan+20(FP)
	VZEROUPPER
	RET

// func sumF64AVX2(x *float32, n int) float64
// Σ x[:n] in float64 (n a multiple of 8): two 4-lane double accumulators,
// lanes added at the end.
TEXT ·sumF64AVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
sloop:
	TESTQ CX, CX
	JZ    sdone
	VCVTPS2PD (SI), Y2
	VCVTPS2PD 16(SI), Y3
	VADDPD Y2, Y0, Y0
	VADDPD Y3, Y1, Y1
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  sloop
sdone:
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	VMOVSD X0, ret+16(FP)
	VZEROUPPER
	RET

// func scaleAVX2(alpha float32, x *float32, n int)
// x[:n] *= alpha (n a multiple of 8).
TEXT ·scaleAVX2(SB), NOSPLIT, $0-24
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
scloop:
	TESTQ CX, CX
	JZ    scdone
	VMULPS (SI), Y0, Y1
	VMOVUPS Y1, (SI)
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  scloop
scdone:
	VZEROUPPER
	RET

// func sumSqF64AVX2(x *float32, n int) float64
// Σ x[i]^2 in float64 (n a multiple of 8), two 4-lane accumulators.
TEXT ·sumSqF64AVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
qloop:
	TESTQ CX, CX
	JZ    qdone
	VCVTPS2PD (SI), Y2
	VCVTPS2PD 16(SI), Y3
	VFMADD231PD Y2, Y2, Y0
	VFMADD231PD Y3, Y3, Y1
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  qloop
qdone:
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	VMOVSD X0, ret+16(FP)
	VZEROUPPER
	RET

// func dotF64AVX2(a, b *float32, n int) float64
// Σ a[i]*b[i] in float64 (n a multiple of 8), two 4-lane accumulators; each
// product of two widened float32 is exact in float64, so the fused
// multiply-add rounds only the sum.
TEXT ·dotF64AVX2(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
dfloop:
	TESTQ CX, CX
	JZ    dfdone
	VCVTPS2PD (SI), Y2
	VCVTPS2PD 16(SI), Y3
	VCVTPS2PD (DI), Y4
	VCVTPS2PD 16(DI), Y5
	VFMADD231PD Y4, Y2, Y0
	VFMADD231PD Y5, Y3, Y1
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dfloop
dfdone:
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func subMulAVX2(d, p *float32, n int, c float32)
// d[i] = p[i] * (d[i] - c), a subtraction then a multiplication as in Go
// (n a multiple of 8).
TEXT ·subMulAVX2(SB), NOSPLIT, $0-28
	MOVQ d+0(FP), DI
	MOVQ p+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS c+24(FP), Y0
smloop:
	TESTQ CX, CX
	JZ    smdone
	VMOVUPS (DI), Y1
	VSUBPS  Y0, Y1, Y1
	VMULPS  (SI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  smloop
smdone:
	VZEROUPPER
	RET
