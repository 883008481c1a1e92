//go:build amd64 && !purego

// adamwAVX2: the AdamW update of adamwGo (cpu_elementwise.go), eight lanes
// at a time, with the same float32 operations in the same order and no
// FMA, so every parameter, moment and variance matches the scalar loop
// bit for bit (TestAdamWKernelMatchesScalar). VSQRTPS and VDIVPS round
// correctly, as float32(math.Sqrt(float64(x))) and float32 division do.

#include "textflag.h"

// func adamwAVX2(p, grad, m, v *float32, n int, c *adamwConsts)
TEXT ·adamwAVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), AX
	VBROADCASTSS 0(AX), Y8   // b1
	VBROADCASTSS 4(AX), Y9   // 1 - b1
	VBROADCASTSS 8(AX), Y10  // b2
	VBROADCASTSS 12(AX), Y11 // 1 - b2
	VBROADCASTSS 16(AX), Y12 // decay
	VBROADCASTSS 20(AX), Y13 // step size
	VBROADCASTSS 24(AX), Y14 // sqrt of the second bias correction
	VBROADCASTSS 28(AX), Y15 // eps
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (SI), Y0            // g
	VMULPS  (R8), Y8, Y1        // b1*m
	VMULPS  Y0, Y9, Y2          // (1-b1)*g
	VADDPS  Y2, Y1, Y1          // m' = b1*m + (1-b1)*g
	VMULPS  Y0, Y11, Y3         // (1-b2)*g
	VMULPS  Y0, Y3, Y3          // ((1-b2)*g)*g
	VMULPS  (R9), Y10, Y4       // b2*v
	VADDPS  Y3, Y4, Y4          // v' = b2*v + (1-b2)*g*g
	VMOVUPS Y1, (R8)
	VMOVUPS Y4, (R9)
	VSQRTPS Y4, Y5
	VDIVPS  Y14, Y5, Y5         // sqrt(v')/bc2Sqrt
	VADDPS  Y15, Y5, Y5         // + eps
	VMULPS  Y1, Y13, Y6         // stepSize*m'
	VDIVPS  Y5, Y6, Y6          // (stepSize*m') / (...)
	VMULPS  (DI), Y12, Y7       // p*decay
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
