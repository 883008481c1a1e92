//go:build amd64 && !purego

// expAffineAVX2: dst[i] = exp32(a*src[i] + b), eight lanes at a time, with
// exactly the float32 operations of exp32 (fastexp.go) in the same order,
// separate multiplies and adds (no FMA), so the bits are exp32's
// (TestExpAffine checks them).

#include "textflag.h"

// Each constant is repeated in eight lanes, for 256-bit memory operands.
DATA expc<>+0(SB)/4, $1.44269504088896341  // log2e
DATA expc<>+4(SB)/4, $1.44269504088896341
DATA expc<>+8(SB)/4, $1.44269504088896341
DATA expc<>+12(SB)/4, $1.44269504088896341
DATA expc<>+16(SB)/4, $1.44269504088896341
DATA expc<>+20(SB)/4, $1.44269504088896341
DATA expc<>+24(SB)/4, $1.44269504088896341
DATA expc<>+28(SB)/4, $1.44269504088896341
DATA expc<>+32(SB)/4, $0.5  // half
DATA expc<>+36(SB)/4, $0.5
DATA expc<>+40(SB)/4, $0.5
DATA expc<>+44(SB)/4, $0.5
DATA expc<>+48(SB)/4, $0.5
DATA expc<>+52(SB)/4, $0.5
DATA expc<>+56(SB)/4, $0.5
DATA expc<>+60(SB)/4, $0.5
DATA expc<>+64(SB)/4, $0.693359375  // ln2hi
DATA expc<>+68(SB)/4, $0.693359375
DATA expc<>+72(SB)/4, $0.693359375
DATA expc<>+76(SB)/4, $0.693359375
DATA expc<>+80(SB)/4, $0.693359375
DATA expc<>+84(SB)/4, $0.693359375
DATA expc<>+88(SB)/4, $0.693359375
DATA expc<>+92(SB)/4, $0.693359375
DATA expc<>+96(SB)/4, $-2.12194440e-4  // ln2lo
DATA expc<>+100(SB)/4, $-2.12194440e-4
DATA expc<>+104(SB)/4, $-2.12194440e-4
DATA expc<>+108(SB)/4, $-2.12194440e-4
DATA expc<>+112(SB)/4, $-2.12194440e-4
DATA expc<>+116(SB)/4, $-2.12194440e-4
DATA expc<>+120(SB)/4, $-2.12194440e-4
DATA expc<>+124(SB)/4, $-2.12194440e-4
DATA expc<>+128(SB)/4, $0.0001984126984126984  // c7
DATA expc<>+132(SB)/4, $0.0001984126984126984
DATA expc<>+136(SB)/4, $0.0001984126984126984
DATA expc<>+140(SB)/4, $0.0001984126984126984
DATA expc<>+144(SB)/4, $0.0001984126984126984
DATA expc<>+148(SB)/4, $0.0001984126984126984
DATA expc<>+152(SB)/4, $0.0001984126984126984
DATA expc<>+156(SB)/4, $0.0001984126984126984
DATA expc<>+160(SB)/4, $0.001388888888888889  // c6
DATA expc<>+164(SB)/4, $0.001388888888888889
DATA expc<>+168(SB)/4, $0.001388888888888889
DATA expc<>+172(SB)/4, $0.001388888888888889
DATA expc<>+176(SB)/4, $0.001388888888888889
DATA expc<>+180(SB)/4, $0.001388888888888889
DATA expc<>+184(SB)/4, $0.001388888888888889
DATA expc<>+188(SB)/4, $0.001388888888888889
DATA expc<>+192(SB)/4, $0.008333333333333333  // c5
DATA expc<>+196(SB)/4, $0.008333333333333333
DATA expc<>+200(SB)/4, $0.008333333333333333
DATA expc<>+204(SB)/4, $0.008333333333333333
DATA expc<>+208(SB)/4, $0.008333333333333333
DATA expc<>+212(SB)/4, $0.008333333333333333
DATA expc<>+216(SB)/4, $0.008333333333333333
DATA expc<>+220(SB)/4, $0.008333333333333333
DATA expc<>+224(SB)/4, $0.041666666666666664  // c4
DATA expc<>+228(SB)/4, $0.041666666666666664
DATA expc<>+232(SB)/4, $0.041666666666666664
DATA expc<>+236(SB)/4, $0.041666666666666664
DATA expc<>+240(SB)/4, $0.041666666666666664
DATA expc<>+244(SB)/4, $0.041666666666666664
DATA expc<>+248(SB)/4, $0.041666666666666664
DATA expc<>+252(SB)/4, $0.041666666666666664
DATA expc<>+256(SB)/4, $0.16666666666666666  // c3
DATA expc<>+260(SB)/4, $0.16666666666666666
DATA expc<>+264(SB)/4, $0.16666666666666666
DATA expc<>+268(SB)/4, $0.16666666666666666
DATA expc<>+272(SB)/4, $0.16666666666666666
DATA expc<>+276(SB)/4, $0.16666666666666666
DATA expc<>+280(SB)/4, $0.16666666666666666
DATA expc<>+284(SB)/4, $0.16666666666666666
DATA expc<>+288(SB)/4, $0.5  // c2
DATA expc<>+292(SB)/4, $0.5
DATA expc<>+296(SB)/4, $0.5
DATA expc<>+300(SB)/4, $0.5
DATA expc<>+304(SB)/4, $0.5
DATA expc<>+308(SB)/4, $0.5
DATA expc<>+312(SB)/4, $0.5
DATA expc<>+316(SB)/4, $0.5
DATA expc<>+320(SB)/4, $1.0  // one
DATA expc<>+324(SB)/4, $1.0
DATA expc<>+328(SB)/4, $1.0
DATA expc<>+332(SB)/4, $1.0
DATA expc<>+336(SB)/4, $1.0
DATA expc<>+340(SB)/4, $1.0
DATA expc<>+344(SB)/4, $1.0
DATA expc<>+348(SB)/4, $1.0
DATA expc<>+352(SB)/4, $88.72283  // expmax
DATA expc<>+356(SB)/4, $88.72283
DATA expc<>+360(SB)/4, $88.72283
DATA expc<>+364(SB)/4, $88.72283
DATA expc<>+368(SB)/4, $88.72283
DATA expc<>+372(SB)/4, $88.72283
DATA expc<>+376(SB)/4, $88.72283
DATA expc<>+380(SB)/4, $88.72283
DATA expc<>+384(SB)/4, $-87.33654  // expmin
DATA expc<>+388(SB)/4, $-87.33654
DATA expc<>+392(SB)/4, $-87.33654
DATA expc<>+396(SB)/4, $-87.33654
DATA expc<>+400(SB)/4, $-87.33654
DATA expc<>+404(SB)/4, $-87.33654
DATA expc<>+408(SB)/4, $-87.33654
DATA expc<>+412(SB)/4, $-87.33654
DATA expc<>+416(SB)/4, $0x7f800000  // inf
DATA expc<>+420(SB)/4, $0x7f800000
DATA expc<>+424(SB)/4, $0x7f800000
DATA expc<>+428(SB)/4, $0x7f800000
DATA expc<>+432(SB)/4, $0x7f800000
DATA expc<>+436(SB)/4, $0x7f800000
DATA expc<>+440(SB)/4, $0x7f800000
DATA expc<>+444(SB)/4, $0x7f800000
DATA expc<>+448(SB)/4, $0x80000000  // sign
DATA expc<>+452(SB)/4, $0x80000000
DATA expc<>+456(SB)/4, $0x80000000
DATA expc<>+460(SB)/4, $0x80000000
DATA expc<>+464(SB)/4, $0x80000000
DATA expc<>+468(SB)/4, $0x80000000
DATA expc<>+472(SB)/4, $0x80000000
DATA expc<>+476(SB)/4, $0x80000000
GLOBL expc<>(SB), RODATA|NOPTR, $480

// func expAffineAVX2(dst, src *float32, n int, a, b float32)
// n is a multiple of 8.
TEXT ·expAffineAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS a+24(FP), Y14
	VBROADCASTSS b+28(FP), Y15
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (SI), Y0
	VMULPS  Y14, Y0, Y0          // x = a*src
	VADDPS  Y15, Y0, Y0          // x += b
	VMULPS  expc<>+0(SB), Y0, Y1   // t = x*log2e
	VANDPS  expc<>+448(SB), Y1, Y2    // sign of t
	VORPS   expc<>+32(SB), Y2, Y2    // +-0.5
	VADDPS  Y2, Y1, Y1           // t < 0 ? t - 0.5 : t + 0.5
	VCVTTPS2DQ Y1, Y4            // n (int32, truncated)
	VCVTDQ2PS Y4, Y5             // n (float32)
	VMULPS  expc<>+64(SB), Y5, Y6
	VSUBPS  Y6, Y0, Y6           // x - n*ln2Hi
	VMULPS  expc<>+96(SB), Y5, Y7
	VSUBPS  Y7, Y6, Y6           // r = x - n*ln2Hi - n*ln2Lo
	VMULPS  expc<>+128(SB), Y6, Y7      // r*c7
	VADDPS  expc<>+160(SB), Y7, Y7      // c6 + r*c7
	VMULPS  Y6, Y7, Y7
	VADDPS  expc<>+192(SB), Y7, Y7
	VMULPS  Y6, Y7, Y7
	VADDPS  expc<>+224(SB), Y7, Y7
	VMULPS  Y6, Y7, Y7
	VADDPS  expc<>+256(SB), Y7, Y7
	VMULPS  Y6, Y7, Y7
	VADDPS  expc<>+288(SB), Y7, Y7
	VMULPS  Y6, Y7, Y7
	VADDPS  expc<>+320(SB), Y7, Y7     // 1 + r*(c2 + ...)
	VMULPS  Y6, Y7, Y7
	VADDPS  expc<>+320(SB), Y7, Y7     // p = 1 + r*(1 + ...)
	VPSLLD  $23, Y4, Y4
	VPADDD  Y4, Y7, Y7           // p * 2^n in the exponent bits
	VCMPPS  $0x1e, expc<>+352(SB), Y0, Y8 // x > expMax (ordered)
	VBLENDVPS Y8, expc<>+416(SB), Y7, Y7     // +Inf
	VCMPPS  $0x11, expc<>+384(SB), Y0, Y8 // x < expMin (ordered)
	VANDNPS Y7, Y8, Y7                 // 0
	VCMPPS  $0x03, Y0, Y0, Y8          // x is NaN
	VBLENDVPS Y8, Y0, Y7, Y7           // x
	VMOVUPS Y7, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// func geluArgAVX2(t, x *float32, n int, k, c float32)
// t[i] = 2 * (c * (x[i] + k*x[i]*x[i]*x[i])), the operations in Go's order
// (2*u as u+u, exact), n a multiple of 8.
TEXT ·geluArgAVX2(SB), NOSPLIT, $0-32
	MOVQ t+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS k+24(FP), Y14
	VBROADCASTSS c+28(FP), Y15
garg:
	TESTQ CX, CX
	JZ    gargdone
	VMOVUPS (SI), Y0
	VMULPS Y14, Y0, Y1
	VMULPS Y0, Y1, Y1
	VMULPS Y0, Y1, Y1
	VADDPS Y1, Y0, Y1
	VMULPS Y15, Y1, Y1
	VADDPS Y1, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  garg
gargdone:
	VZEROUPPER
	RET

// func geluFinishAVX2(t, x *float32, n int, k, c float32)
// With t[i] = exp32(2u), u = c * (x[i] + k*x[i]^3): t[i] = 1 for u > 9,
// -1 for u < -9, else 1 - 2/(t[i]+1) (tanh32's expression), n a multiple
// of 8. NaN compares false both ways and stays NaN, as in Go.
TEXT ·geluFinishAVX2(SB), NOSPLIT, $0-32
	MOVQ t+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS k+24(FP), Y14
	VBROADCASTSS c+28(FP), Y15
	MOVL $0x3f800000, AX // 1
	VMOVD AX, X13
	VBROADCASTSS X13, Y13
	MOVL $0x40000000, AX // 2
	VMOVD AX, X12
	VBROADCASTSS X12, Y12
	MOVL $0x41100000, AX // 9
	VMOVD AX, X11
	VBROADCASTSS X11, Y11
	MOVL $0xc1100000, AX // -9
	VMOVD AX, X10
	VBROADCASTSS X10, Y10
	MOVL $0xbf800000, AX // -1
	VMOVD AX, X9
	VBROADCASTSS X9, Y9
gfin:
	TESTQ CX, CX
	JZ    gfindone
	VMOVUPS (SI), Y0
	VMULPS Y14, Y0, Y1
	VMULPS Y0, Y1, Y1
	VMULPS Y0, Y1, Y1
	VADDPS Y1, Y0, Y1
	VMULPS Y15, Y1, Y1      // u
	VMOVUPS (DI), Y2
	VADDPS Y13, Y2, Y2      // t + 1
	VDIVPS Y2, Y12, Y3      // 2 / (t + 1)
	VSUBPS Y3, Y13, Y3      // 1 - 2/(t+1)
	VCMPPS $0x1e, Y11, Y1, Y4 // u > 9 (ordered)
	VBLENDVPS Y4, Y13, Y3, Y3
	VCMPPS $0x11, Y10, Y1, Y5 // u < -9 (ordered)
	VBLENDVPS Y5, Y9, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  gfin
gfindone:
	VZEROUPPER
	RET

// func expAffineAVX512(dst, src *float32, n int, a, b float32)
// expAffineAVX2's operations on sixteen lanes, the constants broadcast into
// Z16-Z30 once and the three special cases merged under masks; any n: the
// last n%16 elements go through the loop once more under a load and store
// mask (the softmax of a causal row is rarely a multiple of 16 long).
TEXT ·expAffineAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS a+24(FP), Z14
	VBROADCASTSS b+28(FP), Z15
	VBROADCASTSS expc<>+0(SB), Z16   // log2e
	VBROADCASTSS expc<>+32(SB), Z17  // 0.5
	VBROADCASTSS expc<>+64(SB), Z18  // ln2hi
	VBROADCASTSS expc<>+96(SB), Z19  // ln2lo
	VBROADCASTSS expc<>+128(SB), Z20 // c7
	VBROADCASTSS expc<>+160(SB), Z21 // c6
	VBROADCASTSS expc<>+192(SB), Z22 // c5
	VBROADCASTSS expc<>+224(SB), Z23 // c4
	VBROADCASTSS expc<>+256(SB), Z24 // c3
	VBROADCASTSS expc<>+288(SB), Z25 // c2
	VBROADCASTSS expc<>+320(SB), Z26 // 1
	VBROADCASTSS expc<>+352(SB), Z27 // expmax
	VBROADCASTSS expc<>+384(SB), Z28 // expmin
	VBROADCASTSS expc<>+416(SB), Z29 // +Inf
	VBROADCASTSS expc<>+448(SB), Z30 // sign bit
	VPXORD Z13, Z13, Z13             // 0
	MOVQ CX, DX
	ANDQ $15, DX                     // tail length
	MOVL $-1, AX
	KMOVW AX, K4                     // all sixteen lanes
	SHRQ $4, CX
	JZ   tail512

loop512:
	VMOVUPS.Z (SI), K4, Z0
	VMULPS  Z14, Z0, Z0          // x = a*src
	VADDPS  Z15, Z0, Z0          // x += b
	VMULPS  Z16, Z0, Z1          // t = x*log2e
	VPANDD  Z30, Z1, Z2          // sign of t
	VPORD   Z17, Z2, Z2          // +-0.5
	VADDPS  Z2, Z1, Z1           // t < 0 ? t - 0.5 : t + 0.5
	VCVTTPS2DQ Z1, Z4            // n (int32, truncated)
	VCVTDQ2PS Z4, Z5             // n (float32)
	VMULPS  Z18, Z5, Z6
	VSUBPS  Z6, Z0, Z6           // x - n*ln2Hi
	VMULPS  Z19, Z5, Z7
	VSUBPS  Z7, Z6, Z6           // r = x - n*ln2Hi - n*ln2Lo
	VMULPS  Z20, Z6, Z7          // r*c7
	VADDPS  Z21, Z7, Z7          // c6 + r*c7
	VMULPS  Z6, Z7, Z7
	VADDPS  Z22, Z7, Z7
	VMULPS  Z6, Z7, Z7
	VADDPS  Z23, Z7, Z7
	VMULPS  Z6, Z7, Z7
	VADDPS  Z24, Z7, Z7
	VMULPS  Z6, Z7, Z7
	VADDPS  Z25, Z7, Z7
	VMULPS  Z6, Z7, Z7
	VADDPS  Z26, Z7, Z7          // 1 + r*(c2 + ...)
	VMULPS  Z6, Z7, Z7
	VADDPS  Z26, Z7, Z7          // p = 1 + r*(1 + ...)
	VPSLLD  $23, Z4, Z4
	VPADDD  Z4, Z7, Z7           // p * 2^n in the exponent bits
	VCMPPS  $0x1e, Z27, Z0, K1   // x > expMax (ordered)
	VMOVAPS Z29, K1, Z7          // +Inf
	VCMPPS  $0x11, Z28, Z0, K2   // x < expMin (ordered)
	VMOVAPS Z13, K2, Z7          // 0
	VCMPPS  $0x03, Z0, Z0, K3    // x is NaN
	VMOVAPS Z0, K3, Z7           // x
	VMOVUPS Z7, K4, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop512

tail512:
	TESTQ DX, DX
	JZ    done512
	MOVL  $1, AX
	MOVQ  DX, CX
	SHLL  CX, AX
	DECL  AX                         // (1 << tail) - 1
	KMOVW AX, K4
	MOVQ  $1, CX
	XORQ  DX, DX
	JMP   loop512

done512:
	VZEROUPPER
	RET
