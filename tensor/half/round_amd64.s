//go:build amd64 && !purego

#include "textflag.h"

// ROUND8 rounds the eight float32 bit patterns in src to BF16 in the low
// halves of dst's dwords, as F32ToBF16: (u + 0x7fff + (u>>16 & 1)) >> 16,
// or u>>16 | 0x40 where |u| is above the infinity pattern (a NaN).
// Y10 = 0x7fff, Y11 = 1, Y12 = 0x7fffffff, Y13 = 0x7f800000, Y14 = 0x40;
// Y8, Y9 are scratch.
#define ROUND8(src, dst) \
	VPSRLD    $16, src, Y8; \
	VPAND     Y11, Y8, Y9; \
	VPADDD    Y10, src, dst; \
	VPADDD    Y9, dst, dst; \
	VPSRLD    $16, dst, dst; \
	VPOR      Y14, Y8, Y8; \
	VPAND     Y12, src, Y9; \
	VPCMPGTD  Y13, Y9, Y9; \
	VPBLENDVB Y9, Y8, dst, dst

// func roundBF16x16(dst *uint16, src *float32, blocks int)
TEXT ·roundBF16x16(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVL $0x7fff, AX
	MOVD AX, X10
	VPBROADCASTD X10, Y10
	MOVL $1, AX
	MOVD AX, X11
	VPBROADCASTD X11, Y11
	MOVL $0x7fffffff, AX
	MOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVL $0x7f800000, AX
	MOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x40, AX
	MOVD AX, X14
	VPBROADCASTD X14, Y14
	TESTQ CX, CX
	JZ   done

loop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	ROUND8(Y0, Y2)
	ROUND8(Y1, Y3)
	VPACKUSDW Y3, Y2, Y2 // qwords: Y2[0:4] Y3[0:4] Y2[4:8] Y3[4:8]
	VPERMQ    $0xd8, Y2, Y2
	VMOVDQU   Y2, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
