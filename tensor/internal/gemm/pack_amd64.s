//go:build amd64 && !purego

// AVX transposes for packing: 16 storage rows of a transposed B become one
// 16-wide micro-panel, and 12 rows of a row-major A one 12-tall A
// micro-panel, eight depth steps (8x8 and 4x8 blocks) at a time.

#include "textflag.h"

// T8X8 transposes the 8x8 block whose rows start at base, base+R8, ...
// (R8 = row stride in bytes, R9 = 3*R8) and stores its columns as rows of
// R12-byte stride (R13 = 3*R12) at byte offset doff from DI. Clobbers
// Y0-Y15 and R10.
#define T8X8(base, doff) \
	LEAQ (base)(R8*4), R10; \
	VMOVUPS (base), Y0; \
	VMOVUPS (base)(R8*1), Y1; \
	VMOVUPS (base)(R8*2), Y2; \
	VMOVUPS (base)(R9*1), Y3; \
	VMOVUPS (R10), Y4; \
	VMOVUPS (R10)(R8*1), Y5; \
	VMOVUPS (R10)(R8*2), Y6; \
	VMOVUPS (R10)(R9*1), Y7; \
	VUNPCKLPS Y1, Y0, Y8; \
	VUNPCKHPS Y1, Y0, Y9; \
	VUNPCKLPS Y3, Y2, Y10; \
	VUNPCKHPS Y3, Y2, Y11; \
	VUNPCKLPS Y5, Y4, Y12; \
	VUNPCKHPS Y5, Y4, Y13; \
	VUNPCKLPS Y7, Y6, Y14; \
	VUNPCKHPS Y7, Y6, Y15; \
	VSHUFPS $0x44, Y10, Y8, Y0; \
	VSHUFPS $0xEE, Y10, Y8, Y1; \
	VSHUFPS $0x44, Y11, Y9, Y2; \
	VSHUFPS $0xEE, Y11, Y9, Y3; \
	VSHUFPS $0x44, Y14, Y12, Y4; \
	VSHUFPS $0xEE, Y14, Y12, Y5; \
	VSHUFPS $0x44, Y15, Y13, Y6; \
	VSHUFPS $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15; \
	LEAQ (DI)(R12*4), R10; \
	VMOVUPS Y8, (doff)(DI); \
	VMOVUPS Y9, (doff)(DI)(R12*1); \
	VMOVUPS Y10, (doff)(DI)(R12*2); \
	VMOVUPS Y11, (doff)(DI)(R13*1); \
	VMOVUPS Y12, (doff)(R10); \
	VMOVUPS Y13, (doff)(R10)(R12*1); \
	VMOVUPS Y14, (doff)(R10)(R12*2); \
	VMOVUPS Y15, (doff)(R10)(R13*1)

// func transpose16(dst, src *float32, ldb, blocks, ldd int)
// dst[p*ldd+j] = src[j*ldb+p] for j < 16, p < 8*blocks.
TEXT ·transpose16(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), R8
	MOVQ blocks+24(FP), CX
	MOVQ ldd+32(FP), R12
	SHLQ $2, R8
	SHLQ $2, R12
	LEAQ (R8)(R8*2), R9
	LEAQ (R12)(R12*2), R13
	MOVQ R12, R14
	SHLQ $3, R14
	LEAQ (SI)(R8*8), R11
	TESTQ CX, CX
	JZ   done

loop:
	T8X8(SI, 0)
	T8X8(R11, 32)
	ADDQ $32, SI
	ADDQ $32, R11
	ADDQ R14, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// T4X8 transposes the 4x8 block whose rows start at base, base+R8,
// base+2*R8, base+R9 and stores its eight columns (four floats each) as
// rows of R12-byte stride (R13 = 3*R12) at byte offset doff from DI.
// Clobbers Y0-Y7 and R10.
#define T4X8(base, doff) \
	VMOVUPS (base), Y0; \
	VMOVUPS (base)(R8*1), Y1; \
	VMOVUPS (base)(R8*2), Y2; \
	VMOVUPS (base)(R9*1), Y3; \
	VUNPCKLPS Y1, Y0, Y4; \
	VUNPCKHPS Y1, Y0, Y5; \
	VUNPCKLPS Y3, Y2, Y6; \
	VUNPCKHPS Y3, Y2, Y7; \
	VSHUFPS $0x44, Y6, Y4, Y0; \
	VSHUFPS $0xEE, Y6, Y4, Y1; \
	VSHUFPS $0x44, Y7, Y5, Y2; \
	VSHUFPS $0xEE, Y7, Y5, Y3; \
	LEAQ (DI)(R12*4), R10; \
	VMOVUPS X0, (doff)(DI); \
	VMOVUPS X1, (doff)(DI)(R12*1); \
	VMOVUPS X2, (doff)(DI)(R12*2); \
	VMOVUPS X3, (doff)(DI)(R13*1); \
	VEXTRACTF128 $1, Y0, (doff)(R10); \
	VEXTRACTF128 $1, Y1, (doff)(R10)(R12*1); \
	VEXTRACTF128 $1, Y2, (doff)(R10)(R12*2); \
	VEXTRACTF128 $1, Y3, (doff)(R10)(R13*1)

// func transpose12(dst, src *float32, lda, blocks int)
// dst[p*12+i] = src[i*lda+p] for i < 12, p < 8*blocks.
TEXT ·transpose12(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ blocks+24(FP), CX
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	MOVQ $48, R12
	MOVQ $144, R13
	LEAQ (SI)(R8*8), R11
	TESTQ CX, CX
	JZ   done12

loop12:
	T8X8(SI, 0)
	T4X8(R11, 32)
	ADDQ $32, SI
	ADDQ $32, R11
	ADDQ $384, DI
	DECQ CX
	JNZ  loop12

done12:
	VZEROUPPER
	RET

// func copyStrips12(dst, src *float32, n, dstride int)
// dst[q*dstride+i] = src[q*12+i] for q < n, i < 12 (AVX).
TEXT ·copyStrips12(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ dstride+24(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JZ   done12s

loop12s:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), X1
	VMOVUPS Y0, (DI)
	VMOVUPS X1, 32(DI)
	ADDQ $48, SI
	ADDQ DX, DI
	DECQ CX
	JNZ  loop12s

done12s:
	VZEROUPPER
	RET

// func copyStrips32(dst, src *float32, n, dstride int)
// dst[q*dstride+j] = src[q*32+j] for q < n, j < 32 (AVX).
TEXT ·copyStrips32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ dstride+24(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JZ   done32s

loop32s:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ DX, DI
	DECQ CX
	JNZ  loop32s

done32s:
	VZEROUPPER
	RET
