// Element-wise ops, reductions, bias, dtype conversion, dropout and AdamW.

package cuda

import (
	"fmt"
	"math"

	"embrec/tensor"
	"embrec/tensor/half"
)

// maxSumBlocks bounds SumSquares' grid, hence its partial sums.
const maxSumBlocks = 1024

func needF32(op string, ts ...*tensor.Tensor) {
	for _, t := range ts {
		if t != nil && t.DType() != tensor.F32 {
			panic(fmt.Sprintf("cuda: %s: %v must be F32", op, t))
		}
	}
}

func sameLen(op string, ts ...*tensor.Tensor) int {
	for _, t := range ts[1:] {
		if t.Len() != ts[0].Len() {
			panic(fmt.Sprintf("cuda: %s: %v and %v differ in size", op, ts[0], t))
		}
	}
	return ts[0].Len()
}

// Fill implements tensor.Elementwise.
func (b *Backend) Fill(t *tensor.Tensor, v float32) {
	n := t.Len()
	if n == 0 {
		return
	}
	switch t.DType() {
	case tensor.F32:
		b.launch("fill_u32", ewGrid(n), block256, 0, ptr(t), arg{'i', uint64(math.Float32bits(v))}, argI32(n))
	case tensor.F16:
		b.launch("fill_u16", ewGrid(n), block256, 0, ptr(t), argU16(half.F32ToF16(v)), argI32(n))
	case tensor.BF16:
		b.launch("fill_u16", ewGrid(n), block256, 0, ptr(t), argU16(half.F32ToBF16(v)), argI32(n))
	}
}

// Copy implements tensor.Elementwise, converting dtypes on the device.
func (b *Backend) Copy(dst, src *tensor.Tensor) {
	n := sameLen("Copy", dst, src)
	if n == 0 {
		return
	}
	if dst.DType() == src.DType() {
		b.record(opCopy, addr(dst), addr(src), uint64(n*dst.DType().Size()))
		return
	}
	name := convKernel(dst.DType(), src.DType())
	if name == "f32_to_bf16" && n%4 == 0 && addr(src)%16 == 0 && addr(dst)%8 == 0 {
		b.launch("f32_to_bf16_x4", ewGrid(n/4), block256, 0, ptr(dst), ptr(src), argI32(n/4))
		return
	}
	b.launch(name, ewGrid(n), block256, 0, ptr(dst), ptr(src), argI32(n))
}

func convKernel(dst, src tensor.DType) string {
	switch {
	case dst == tensor.BF16 && src == tensor.F32:
		return "f32_to_bf16"
	case dst == tensor.F16 && src == tensor.F32:
		return "f32_to_f16"
	case dst == tensor.F32 && src == tensor.BF16:
		return "bf16_to_f32"
	case dst == tensor.F32 && src == tensor.F16:
		return "f16_to_f32"
	case dst == tensor.F16 && src == tensor.BF16:
		return "bf16_to_f16"
	case dst == tensor.BF16 && src == tensor.F16:
		return "f16_to_bf16"
	}
	panic(fmt.Sprintf("cuda: no conversion from %v to %v", src, dst))
}

// Add implements tensor.Elementwise.
func (b *Backend) Add(out, x, y *tensor.Tensor) {
	needF32("Add", out, x, y)
	if n := sameLen("Add", out, x, y); n > 0 {
		b.launch("add_f32", ewGrid(n), block256, 0, ptr(out), ptr(x), ptr(y), argI32(n))
	}
}

// AddScaled implements tensor.Elementwise.
func (b *Backend) AddScaled(dst, src *tensor.Tensor, s float32) {
	needF32("AddScaled", dst, src)
	if n := sameLen("AddScaled", dst, src); n > 0 {
		b.launch("add_scaled_f32", ewGrid(n), block256, 0, ptr(dst), ptr(src), argF32(s), argI32(n))
	}
}

// Mul implements tensor.Elementwise.
func (b *Backend) Mul(out, x, y *tensor.Tensor) {
	needF32("Mul", out, x, y)
	if n := sameLen("Mul", out, x, y); n > 0 {
		b.launch("mul_f32", ewGrid(n), block256, 0, ptr(out), ptr(x), ptr(y), argI32(n))
	}
}

// Scale implements tensor.Elementwise.
func (b *Backend) Scale(t *tensor.Tensor, s float32) {
	needF32("Scale", t)
	if n := t.Len(); n > 0 {
		b.launch("scale_f32", ewGrid(n), block256, 0, ptr(t), argF32(s), argI32(n))
	}
}

// SumSquares implements tensor.Elementwise: float64 partial sums per block,
// added on the host in block order (deterministic). It waits for the GPU.
func (b *Backend) SumSquares(t *tensor.Tensor) float64 {
	needF32("SumSquares", t)
	n := t.Len()
	if n == 0 {
		return 0
	}
	blocks := min((n+255)/256, maxSumBlocks)
	b.launch("sum_squares_f32", [3]int{blocks, 1, 1}, block256, 0, ptr(b.partials), ptr(t), argI32(n))
	b.flush()
	bs := b.staging(8 * blocks)
	if err := b.dev.download(bs, addr(b.partials)); err != nil {
		panic(fmt.Errorf("cuda: SumSquares: %w", err))
	}
	var s float64
	for i := 0; i < blocks; i++ {
		var u uint64
		for k := 7; k >= 0; k-- {
			u = u<<8 | uint64(bs[8*i+k])
		}
		s += math.Float64frombits(u)
	}
	return s
}

// AddBias implements tensor.Elementwise.
func (b *Backend) AddBias(out, bias *tensor.Tensor) {
	needF32("AddBias", out, bias)
	C := bias.Len()
	if out.Cols() != C {
		panic(fmt.Sprintf("cuda: AddBias: out %v, bias %v", out, bias))
	}
	if n := out.Len(); n > 0 {
		b.launch("add_bias_f32", ewGrid(n), block256, 0, ptr(out), ptr(bias), argI32(out.Rows()), argI32(C))
	}
}

// BiasBackward implements tensor.Elementwise (deterministic column sums).
func (b *Backend) BiasBackward(dBias, dOut *tensor.Tensor) {
	needF32("BiasBackward", dBias, dOut)
	C := dBias.Len()
	if dOut.Cols() != C {
		panic(fmt.Sprintf("cuda: BiasBackward: dOut %v, dBias %v", dOut, dBias))
	}
	if C > 0 {
		b.launch("col_sum_accum_f32", [3]int{(C + 31) / 32, 1, 1}, [3]int{32, 8, 1}, 0,
			ptr(dBias), ptr(dOut), argI32(dOut.Rows()), argI32(C))
	}
}

// DropoutForward implements tensor.Dropouts with tensor.DropoutUniform's
// RNG, so the mask equals the CPU backend's bit for bit.
func (b *Backend) DropoutForward(out, mask, in *tensor.Tensor, p float32, seed uint64) {
	needF32("DropoutForward", out, mask, in)
	n := sameLen("DropoutForward", out, mask, in)
	if p < 0 || p >= 1 {
		panic(fmt.Sprintf("cuda: dropout probability %v outside [0, 1)", p))
	}
	keep := 1 / (1 - p)
	if n > 0 {
		b.launch("dropout_forward_f32", ewGrid(n), block256, 0, ptr(out), ptr(mask), ptr(in), argF32(p),
			argF32(keep), argU64(seed), argI32(n))
	}
}

// DropoutBackward implements tensor.Dropouts.
func (b *Backend) DropoutBackward(dIn, dOut, mask *tensor.Tensor) { b.Mul(dIn, dOut, mask) }

// AdamW implements tensor.Optimizer with the CPU backend's arithmetic:
// the bias corrections are computed here in float64 and rounded once.
func (b *Backend) AdamW(param, grad, m, v *tensor.Tensor, h tensor.AdamWParams) {
	needF32("AdamW", param, grad, m, v)
	n := sameLen("AdamW", param, grad, m, v)
	if h.Step < 1 {
		panic("cuda: AdamW step must be >= 1")
	}
	bc1 := 1 - math.Pow(float64(h.Beta1), float64(h.Step))
	bc2 := 1 - math.Pow(float64(h.Beta2), float64(h.Step))
	stepSize := float32(float64(h.LR) / bc1)
	bc2Sqrt := float32(math.Sqrt(bc2))
	decay := 1 - h.LR*h.WeightDecay
	if n > 0 {
		b.launch("adamw_f32", ewGrid(n), block256, 0, ptr(param), ptr(grad), ptr(m), ptr(v), argF32(h.Beta1),
			argF32(h.Beta2), argF32(h.Eps), argF32(stepSize), argF32(bc2Sqrt), argF32(decay), argI32(n))
	}
}
