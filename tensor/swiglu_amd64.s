//go:build amd64 && !purego

// swigluBwdAVX2: swigluBackwardGo (cpu_act.go) eight lanes at a time, the
// same float32 operations in the same order with no FMA, so dg and du are
// its bits (TestSwigluBackwardKernel):
//   s = 1/(1+e); dg = ((dy*u)*s) * (1 + x*(1-s)); du = (dy*x)*s

#include "textflag.h"

DATA swone<>+0(SB)/4, $1.0
GLOBL swone<>(SB), RODATA|NOPTR, $4

// func swigluBwdAVX2(dg, du, dy, gate, up, e *float32, n int)
TEXT ·swigluBwdAVX2(SB), NOSPLIT, $0-56
	MOVQ dg+0(FP), DI
	MOVQ du+8(FP), R8
	MOVQ dy+16(FP), SI
	MOVQ gate+24(FP), R9
	MOVQ up+32(FP), R10
	MOVQ e+40(FP), R11
	MOVQ n+48(FP), CX
	VBROADCASTSS swone<>+0(SB), Y15
	SHRQ $3, CX
	JZ   done

loop:
	VADDPS  (R11), Y15, Y0 // 1 + e
	VDIVPS  Y0, Y15, Y0    // s = 1/(1+e)
	VMOVUPS (R9), Y1       // x
	VMOVUPS (SI), Y2       // dy
	VSUBPS  Y0, Y15, Y3    // 1 - s
	VMULPS  Y3, Y1, Y3     // x*(1-s)
	VADDPS  Y3, Y15, Y3    // 1 + x*(1-s)
	VMULPS  (R10), Y2, Y4  // dy*u
	VMULPS  Y0, Y4, Y4     // *s
	VMULPS  Y3, Y4, Y4     // *(1 + x*(1-s))
	VMULPS  Y1, Y2, Y5     // dy*x
	VMULPS  Y0, Y5, Y5     // *s
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, (R8)
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, SI
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
