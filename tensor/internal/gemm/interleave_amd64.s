//go:build amd64 && !purego

// interleave16: the BF16 pair words of two rows, 16 at a time (AVX2).

#include "textflag.h"

// func interleave16(dst *float32, a, b *uint16, blocks int)
// dst[x] = a[x] | b[x]<<16 (as bits) for x < 16*blocks.
TEXT ·interleave16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ blocks+24(FP), CX
	TESTQ CX, CX
	JZ   done

loop:
	VMOVDQU (SI), Y0
	VMOVDQU (DX), Y1
	VPUNPCKLWD Y1, Y0, Y2 // lane 0: words 0-3, lane 1: words 8-11
	VPUNPCKHWD Y1, Y0, Y3 // lane 0: words 4-7, lane 1: words 12-15
	VPERM2I128 $0x20, Y3, Y2, Y4
	VPERM2I128 $0x31, Y3, Y2, Y5
	VMOVDQU Y4, (DI)
	VMOVDQU Y5, 32(DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $64, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

