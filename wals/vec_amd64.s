// vec_amd64.s: AVX2/FMA kernels for vec_amd64.go. Lengths are multiples of 8
// (the Go side handles tails). Go assembler operand order: sources first,
// destination last; VFMADD231PS m, a, acc computes acc += a*m.

#include "textflag.h"

// func gemvTAVX2(out, gm, v *float32, rows, cols, stride int)
// out[j] = Σ_{a<rows} v[a]·M[a][j] for j < cols (cols a multiple of 8), M
// row-major with `stride` floats per row; for a symmetric K×K matrix this is
// the mat-vec G·v. Column blocks of 64 (8 accumulators), then 32, then 8.
TEXT ·gemvTAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ gm+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ rows+24(FP), BX
	MOVQ cols+32(FP), CX
	MOVQ stride+40(FP), R8
	SHLQ $2, R8 // row stride in bytes
	XORQ R9, R9 // first column of the block
	TESTQ BX, BX
	JEQ  zero

blk64:
	MOVQ CX, R10
	SUBQ R9, R10
	CMPQ R10, $64
	JLT  blk32
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	LEAQ (SI)(R9*4), R11
	MOVQ DX, R12
	MOVQ BX, R13
row64:
	VBROADCASTSS (R12), Y8
	VFMADD231PS (R11), Y8, Y0
	VFMADD231PS 32(R11), Y8, Y1
	VFMADD231PS 64(R11), Y8, Y2
	VFMADD231PS 96(R11), Y8, Y3
	VFMADD231PS 128(R11), Y8, Y4
	VFMADD231PS 160(R11), Y8, Y5
	VFMADD231PS 192(R11), Y8, Y6
	VFMADD231PS 224(R11), Y8, Y7
	ADDQ $4, R12
	ADDQ R8, R11
	DECQ R13
	JNZ  row64
	LEAQ (DI)(R9*4), R11
	VMOVUPS Y0, (R11)
	VMOVUPS Y1, 32(R11)
	VMOVUPS Y2, 64(R11)
	VMOVUPS Y3, 96(R11)
	VMOVUPS Y4, 128(R11)
	VMOVUPS Y5, 160(R11)
	VMOVUPS Y6, 192(R11)
	VMOVUPS Y7, 224(R11)
	ADDQ $64, R9
	JMP  blk64

blk32:
	CMPQ R10, $32
	JLT  blk8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	LEAQ (SI)(R9*4), R11
	MOVQ DX, R12
	MOVQ BX, R13
row32:
	VBROADCASTSS (R12), Y8
	VFMADD231PS (R11), Y8, Y0
	VFMADD231PS 32(R11), Y8, Y1
	VFMADD231PS 64(R11), Y8, Y2
	VFMADD231PS 96(R11), Y8, Y3
	ADDQ $4, R12
	ADDQ R8, R11
	DECQ R13
	JNZ  row32
	LEAQ (DI)(R9*4), R11
	VMOVUPS Y0, (R11)
	VMOVUPS Y1, 32(R11)
	VMOVUPS Y2, 64(R11)
	VMOVUPS Y3, 96(R11)
	ADDQ $32, R9
	MOVQ CX, R10
	SUBQ R9, R10

blk8:
	CMPQ R10, $8
	JLT  gemvdone
	VXORPS Y0, Y0, Y0
	LEAQ (SI)(R9*4), R11
	MOVQ DX, R12
	MOVQ BX, R13
row8:
	VBROADCASTSS (R12), Y8
	VFMADD231PS (R11), Y8, Y0
	ADDQ $4, R12
	ADDQ R8, R11
	DECQ R13
	JNZ  row8
	LEAQ (DI)(R9*4), R11
	VMOVUPS Y0, (R11)
	ADDQ $8, R9
	MOVQ CX, R10
	SUBQ R9, R10
	JMP  blk8

gemvdone:
	VZEROUPPER
	RET

zero: // no rows: out = 0
	VXORPS Y0, Y0, Y0
zloop:
	CMPQ CX, $8
	JLT  gemvdone
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  zloop

// func accumAVX2(out, v, y *float32, cols *int32, c0, c1 *float32, n, k int)
// For j < n, with y_j the k floats at y + cols[j]*k:
//   out += (c0[j] + c1[j] * (y_j·v)) * y_j
// k is a multiple of 8. This fuses the per-entry dot and axpy of the CG
// solver (one call per row instead of two per observed entry).
TEXT ·accumAVX2(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ cols+24(FP), R8
	MOVQ c0+32(FP), R9
	MOVQ c1+40(FP), R10
	MOVQ n+48(FP), R11
	MOVQ k+56(FP), CX
	MOVQ CX, R12
	SHLQ $2, R12 // row bytes
	XORQ BX, BX  // j
accloop:
	CMPQ BX, R11
	JGE  accdone
	MOVLQSX (R8)(BX*4), AX
	IMULQ R12, AX
	LEAQ (DX)(AX*1), R13 // y_j
	// d = y_j · v, two accumulators
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ R14, R14 // byte offset
	MOVQ CX, R15
accdot16:
	CMPQ R15, $16
	JLT  accdot8
	VMOVUPS (R13)(R14*1), Y2
	VFMADD231PS (SI)(R14*1), Y2, Y0
	VMOVUPS 32(R13)(R14*1), Y3
	VFMADD231PS 32(SI)(R14*1), Y3, Y1
	ADDQ $64, R14
	SUBQ $16, R15
	JMP  accdot16
accdot8:
	CMPQ R15, $8
	JLT  accred
	VMOVUPS (R13)(R14*1), Y2
	VFMADD231PS (SI)(R14*1), Y2, Y0
accred:
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	// coef = c0[j] + c1[j]*d
	VMULSS (R10)(BX*4), X0, X0
	VADDSS (R9)(BX*4), X0, X0
	VBROADCASTSS X0, Y4
	// out += coef * y_j
	XORQ R14, R14
	MOVQ CX, R15
accaxpy16:
	CMPQ R15, $16
	JLT  accaxpy8
	VMOVUPS (DI)(R14*1), Y2
	VFMADD231PS (R13)(R14*1), Y4, Y2
	VMOVUPS Y2, (DI)(R14*1)
	VMOVUPS 32(DI)(R14*1), Y3
	VFMADD231PS 32(R13)(R14*1), Y4, Y3
	VMOVUPS Y3, 32(DI)(R14*1)
	ADDQ $64, R14
	SUBQ $16, R15
	JMP  accaxpy16
accaxpy8:
	CMPQ R15, $8
	JLT  accnext
	VMOVUPS (DI)(R14*1), Y2
	VFMADD231PS (R13)(R14*1), Y4, Y2
	VMOVUPS Y2, (DI)(R14*1)
accnext:
	INCQ BX
	JMP  accloop
accdone:
	VZEROUPPER
	RET
