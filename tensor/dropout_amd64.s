//go:build amd64 && !purego

// Dropout kernels: DropoutUniform's splitmix64 draw for many elements at
// once, then the mask (0 or 1/(1-p)) and x times the mask, as dropoutGo
// does. The draw is integer arithmetic and the threshold comparison is
// exact (newDropoutConsts), so every kernel gives dropoutGo's bits
// (TestDropoutKernelsMatchScalar).

#include "textflag.h"

// func dropoutAVX512(o, m, x *float32, n int, c *dropoutConsts)
// Sixteen elements an iteration: the counters of elements 0-7 in Z0 and of
// 8-15 in Z1, eight 64-bit lanes each.
TEXT ·dropoutAVX512(SB), NOSPLIT, $0-40
	MOVQ o+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), AX
	VMOVDQU64    0(AX), Z0
	VMOVDQU64    64(AX), Z1
	VPBROADCASTQ 128(AX), Z2 // step16
	VPBROADCASTQ 144(AX), Z3 // c1
	VPBROADCASTQ 152(AX), Z4 // c2
	VPBROADCASTQ 160(AX), Z5 // thresh
	VBROADCASTSS 168(AX), Z6 // keep
	SHRQ $4, CX
	JZ   done512

loop512:
	// z = (z ^ z>>30) * c1; z = (z ^ z>>27) * c2; z ^= z>>31; u = z>>40
	VPSRLQ  $30, Z0, Z7
	VPXORQ  Z0, Z7, Z7
	VPSRLQ  $30, Z1, Z8
	VPXORQ  Z1, Z8, Z8
	VPMULLQ Z3, Z7, Z7
	VPMULLQ Z3, Z8, Z8
	VPSRLQ  $27, Z7, Z9
	VPXORQ  Z9, Z7, Z7
	VPSRLQ  $27, Z8, Z10
	VPXORQ  Z10, Z8, Z8
	VPMULLQ Z4, Z7, Z7
	VPMULLQ Z4, Z8, Z8
	VPSRLQ  $31, Z7, Z9
	VPXORQ  Z9, Z7, Z7
	VPSRLQ  $31, Z8, Z10
	VPXORQ  Z10, Z8, Z8
	VPSRLQ  $40, Z7, Z7
	VPSRLQ  $40, Z8, Z8
	VPCMPUQ $5, Z5, Z7, K1 // kept: u >= thresh (not less than)
	VPCMPUQ $5, Z5, Z8, K2
	KUNPCKBW K1, K2, K3    // elements 0-7 from K1, 8-15 from K2
	VMOVAPS.Z Z6, K3, Z11  // the mask: keep or 0
	VMULPS  (DX), Z11, Z12 // x * mask
	VMOVUPS Z11, (SI)
	VMOVUPS Z12, (DI)
	VPADDQ  Z2, Z0, Z0
	VPADDQ  Z2, Z1, Z1
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	DECQ CX
	JNZ  loop512

done512:
	VZEROUPPER
	RET

// MUL64 sets z = z*c mod 2^64 in each 64-bit lane from 32x32-bit
// products: lo(z)lo(c) + (hi(z)lo(c) + lo(z)hi(c))<<32. clo holds c,
// chi holds c>>32; t1 and t2 are scratch.
#define MUL64(z, clo, chi, t1, t2) \
	VPSRLQ   $32, z, t1   \
	VPMULUDQ clo, t1, t1  \
	VPMULUDQ chi, z, t2   \
	VPADDQ   t2, t1, t1   \
	VPSLLQ   $32, t1, t1  \
	VPMULUDQ clo, z, z    \
	VPADDQ   t1, z, z

// DRAW turns the counters in z (kept) into the 24-bit draws in u.
#define DRAW(z, u, t1, t2) \
	VPSRLQ $30, z, u           \
	VPXOR  z, u, u             \
	MUL64(u, Y3, Y4, t1, t2)   \
	VPSRLQ $27, u, t1          \
	VPXOR  t1, u, u            \
	MUL64(u, Y5, Y6, t1, t2)   \
	VPSRLQ $31, u, t1          \
	VPXOR  t1, u, u            \
	VPSRLQ $40, u, u

// func dropoutAVX2(o, m, x *float32, n int, c *dropoutConsts)
// Eight elements an iteration: the counters of elements 0-3 in Y0 and of
// 4-7 in Y1.
TEXT ·dropoutAVX2(SB), NOSPLIT, $0-40
	MOVQ o+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), AX
	VMOVDQU      0(AX), Y0
	VMOVDQU      32(AX), Y1
	VPBROADCASTQ 136(AX), Y2 // step8
	VPBROADCASTQ 144(AX), Y3 // c1
	VPSRLQ       $32, Y3, Y4 // c1>>32
	VPBROADCASTQ 152(AX), Y5 // c2
	VPSRLQ       $32, Y5, Y6 // c2>>32
	VPBROADCASTD 160(AX), Y7 // thresh (its low 32 bits), 32-bit lanes
	VBROADCASTSS 168(AX), Y8 // keep
	SHRQ $3, CX
	JZ   done2

loop2:
	DRAW(Y0, Y9, Y11, Y12)
	DRAW(Y1, Y10, Y11, Y12)
	// The draws fit in 24 bits: gather the low halves of the eight lanes
	// in element order, [0 1 4 5 | 2 3 6 7] then qwords 0 2 1 3.
	VSHUFPS  $0x88, Y10, Y9, Y9
	VPERMQ   $0xD8, Y9, Y9
	VPCMPGTD Y9, Y7, Y9     // dropped: thresh > u
	VANDNPS  Y8, Y9, Y9     // the mask: keep where not dropped, else 0
	VMULPS   (DX), Y9, Y10  // x * mask
	VMOVUPS  Y9, (SI)
	VMOVUPS  Y10, (DI)
	VPADDQ   Y2, Y0, Y0
	VPADDQ   Y2, Y1, Y1
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ  loop2

done2:
	VZEROUPPER
	RET
