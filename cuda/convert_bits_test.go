// The device's F16 and BF16 conversions bit for bit against tensor/half:
// every one of the 65536 bit patterns decoded, and float32 values across
// the whole range (subnormal halves, the overflow threshold, ties, NaN,
// infinities) encoded and decoded again. On the GPU this checks the CUDA
// intrinsics; on the host-compiled kernels, kernels/emu's versions of them.

package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
	"embrec/tensor/half"
)

func TestConversionBits(t *testing.T) {
	b := newTestBackend(t)
	same := func(x, y float32) bool {
		return math.Float32bits(x) == math.Float32bits(y) || x != x && y != y // any NaN matches any NaN
	}
	// Decoding: all 65536 patterns.
	bits := make([]uint16, 1<<16)
	for i := range bits {
		bits[i] = uint16(i)
	}
	for _, c := range []struct {
		dt  tensor.DType
		ref func(uint16) float32
	}{{tensor.F16, half.F16ToF32}, {tensor.BF16, half.BF16ToF32}} {
		src, dst := b.New(c.dt, len(bits)), b.New(tensor.F32, len(bits))
		b.UploadBits(src, bits)
		b.Copy(dst, src)
		got := make([]float32, len(bits))
		b.Download(got, dst)
		for i, g := range got {
			if !same(g, c.ref(bits[i])) {
				t.Fatalf("%v %#04x decodes to %v (%#08x), want %v", c.dt, i, g, math.Float32bits(g), c.ref(bits[i]))
			}
		}
	}
	// Encoding: edges, then random values of every magnitude.
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -2, 65504, 65505, 65519, 65519.996, 65520, 65536, 1e10,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0x1p-14, 0x1.ffcp-15, 0x1p-24, 0x1p-25,
		0x1.000002p-25, 0x1.8p-25, 0x1.8p-24, 0x1p-26, 1e-8, 3.3895314e38, 0x1.fffffep127, 0x1.010p0, 0x1.018p0,
		0x1.008p0, 0x1.0002p-14, 0x1p-126, 0x1p-149}
	rng := rand.New(rand.NewPCG(21, 22))
	for len(vals) < 20000 {
		m := float32(rng.Float64()+1) * float32(math.Ldexp(1, rng.IntN(60)-40))
		if rng.IntN(2) == 0 {
			m = -m
		}
		vals = append(vals, m)
	}
	src := b.New(tensor.F32, len(vals))
	b.Upload(src, vals)
	for _, c := range []struct {
		dt  tensor.DType
		ref func(float32) float32
	}{
		{tensor.F16, func(x float32) float32 { return half.F16ToF32(half.F32ToF16(x)) }},
		{tensor.BF16, func(x float32) float32 { return half.BF16ToF32(half.F32ToBF16(x)) }},
	} {
		mid, back := b.New(c.dt, len(vals)), b.New(tensor.F32, len(vals))
		b.Copy(mid, src)
		b.Copy(back, mid)
		got := make([]float32, len(vals))
		b.Download(got, back)
		for i, g := range got {
			if !same(g, c.ref(vals[i])) {
				t.Fatalf("%v: %v (%#08x) round-trips to %v, want %v", c.dt, vals[i], math.Float32bits(vals[i]), g, c.ref(vals[i]))
			}
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}
