//go:build amd64 && !purego

// RMSNorm's row loops (cpu_norm.go) eight lanes at a time. rmsScaleAVX2 and
// rmsGradAVX2 repeat the scalar loops' float32 operations in their order
// (no FMA), so they give the same bits; rmsDotAVX2 sums the same exact
// float64 products in an order of its own (TestRMSNormKernels).

#include "textflag.h"

// func rmsScaleAVX2(o, w, x *float32, n int, rs float32)
// o[i] = w[i] * (x[i]*rs), n a multiple of 8.
TEXT ·rmsScaleAVX2(SB), NOSPLIT, $0-36
	MOVQ o+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS rs+32(FP), Y0
	SHRQ $3, CX
	JZ   sdone
sloop:
	VMULPS  (DX), Y0, Y1
	VMULPS  (SI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ  sloop
sdone:
	VZEROUPPER
	RET

// func rmsDotAVX2(d, w, x *float32, n int, rs float32) float64
// Σ float64(d[i]*w[i]) * float64(x[i]*rs), n a multiple of 8: the float32
// products rounded as in Go, widened, their exact product summed in two
// 4-lane float64 accumulators.
TEXT ·rmsDotAVX2(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS rs+32(FP), Y6
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	SHRQ $3, CX
	JZ   ddone
dloop:
	VMOVUPS (SI), Y2
	VMULPS  (DI), Y2, Y2       // d*w
	VMULPS  (DX), Y6, Y3       // x*rs
	VCVTPS2PD X2, Y4
	VCVTPS2PD X3, Y5
	VFMADD231PD Y5, Y4, Y0
	VEXTRACTF128 $1, Y2, X2
	VEXTRACTF128 $1, Y3, X3
	VCVTPS2PD X2, Y4
	VCVTPS2PD X3, Y5
	VFMADD231PD Y5, Y4, Y1
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ  dloop
ddone:
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	VMOVSD X0, ret+40(FP)
	VZEROUPPER
	RET

// func rmsGradAVX2(dx, d, w, x *float32, n int, rs, m float32)
// dx[i] = rs * (d[i]*w[i] - (x[i]*rs)*m), n a multiple of 8.
TEXT ·rmsGradAVX2(SB), NOSPLIT, $0-48
	MOVQ dx+0(FP), DI
	MOVQ d+8(FP), SI
	MOVQ w+16(FP), R8
	MOVQ x+24(FP), DX
	MOVQ n+32(FP), CX
	VBROADCASTSS rs+40(FP), Y0
	VBROADCASTSS m+44(FP), Y1
	SHRQ $3, CX
	JZ   gdone
gloop:
	VMOVUPS (SI), Y2
	VMULPS  (R8), Y2, Y2       // d*w
	VMULPS  (DX), Y0, Y3       // x*rs
	VMULPS  Y1, Y3, Y3         // *m
	VSUBPS  Y3, Y2, Y2         // d*w - x*rs*m
	VMULPS  Y2, Y0, Y2         // rs * (...)
	VMOVUPS Y2, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, DX
	DECQ CX
	JNZ  gloop
gdone:
	VZEROUPPER
	RET
