// expvec_amd64.s: expShiftAVX2 for expvec_amd64.go, eight lanes of exp32's
// method: n = round(t log2 e), r = t - n ln2 (two parts), a degree-7
// polynomial for e^r, 2^n added into the exponent bits; lanes with
// t < expMin (and t = -Inf) are zeroed by a mask. Go assembler operand
// order: sources first, destination last.

//go:build amd64 && !purego

#include "textflag.h"

DATA expc4<>+0(SB)/4, $0x3d2aaaab // 1/24
GLOBL expc4<>(SB), RODATA|NOPTR, $4
DATA expc3<>+0(SB)/4, $0x3e2aaaab // 1/6
GLOBL expc3<>(SB), RODATA|NOPTR, $4
DATA expc2<>+0(SB)/4, $0x3f000000 // 1/2
GLOBL expc2<>(SB), RODATA|NOPTR, $4

#define BCAST(imm, reg, xreg) MOVL imm, AX; VMOVD AX, xreg; VPBROADCASTD xreg, reg

// func expShiftAVX2(dst, src *float32, n int, shift float32) float64
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS shift+24(FP), Y7
	BCAST($0x3fb8aa3b, Y8, X8)   // log2 e
	BCAST($0x3f318000, Y9, X9)   // ln2 high part
	BCAST($0xb95e8083, Y10, X10) // ln2 low part
	BCAST($0xc2aeac4f, Y11, X11) // expMin
	BCAST($0x3f800000, Y12, X12) // 1
	BCAST($0x39500d01, Y13, X13) // 1/5040
	BCAST($0x3ab60b61, Y14, X14) // 1/720
	BCAST($0x3c088889, Y15, X15) // 1/120
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
loop:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (SI), Y0
	VSUBPS  Y7, Y0, Y0        // t = x - shift
	VCMPPS  $0x1d, Y11, Y0, Y1 // mask = t >= expMin (ordered)
	VMULPS  Y8, Y0, Y2
	VROUNDPS $0, Y2, Y2       // n = round(t log2 e)
	VFNMADD231PS Y9, Y2, Y0   // r = t - n ln2hi
	VFNMADD231PS Y10, Y2, Y0  // r -= n ln2lo
	VMOVAPS Y13, Y3           // p = c7
	VFMADD213PS Y14, Y0, Y3   // p = p r + c6
	VFMADD213PS Y15, Y0, Y3   // p = p r + c5
	VBROADCASTSS expc4<>(SB), Y4
	VFMADD213PS Y4, Y0, Y3    // p = p r + c4
	VBROADCASTSS expc3<>(SB), Y4
	VFMADD213PS Y4, Y0, Y3    // p = p r + c3
	VBROADCASTSS expc2<>(SB), Y4
	VFMADD213PS Y4, Y0, Y3    // p = p r + c2
	VFMADD213PS Y12, Y0, Y3   // p = p r + 1
	VFMADD213PS Y12, Y0, Y3   // p = p r + 1
	VCVTPS2DQ Y2, Y2
	VPSLLD  $23, Y2, Y2
	VPADDD  Y2, Y3, Y3        // p * 2^n
	VANDPS  Y1, Y3, Y3
	VMOVUPS Y3, (DI)
	VCVTPS2PD X3, Y4
	VADDPD  Y4, Y5, Y5
	VEXTRACTF128 $1, Y3, X3
	VCVTPS2PD X3, Y4
	VADDPD  Y4, Y6, Y6
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  loop
done:
	VADDPD Y6, Y5, Y5
	VEXTRACTF128 $1, Y5, X6
	VADDPD X6, X5, X5
	VHADDPD X5, X5, X5
	MOVSD X5, ret+32(FP)
	VZEROUPPER
	RET
