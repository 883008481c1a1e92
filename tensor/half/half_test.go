// Tests of the scalar and slice conversions: exhaustive over all 16-bit
// patterns, rounding ties, NaN, Inf, subnormals, and x448/float16 agreement.

package half

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/x448/float16"
)

func isNaN32(f float32) bool { return f != f }

// TestBF16RoundTripExhaustive: every bf16 pattern widens exactly and narrows
// back to itself (NaNs: to the quiet version of themselves).
func TestBF16RoundTripExhaustive(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		f := BF16ToF32(h)
		if got, want := math.Float32bits(f), uint32(h)<<16; got != want {
			t.Fatalf("BF16ToF32(%#04x) bits = %#08x, want %#08x", h, got, want)
		}
		back := F32ToBF16(f)
		want := h
		if isNaN32(f) {
			want = h | 0x0040
		}
		if back != want {
			t.Fatalf("F32ToBF16(BF16ToF32(%#04x)) = %#04x, want %#04x", h, back, want)
		}
	}
}

// TestF16RoundTripExhaustive: every f16 pattern widens to x448's value and
// narrows back to itself (NaNs: quiet, same sign).
func TestF16RoundTripExhaustive(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		f := F16ToF32(h)
		if ref := float16.Frombits(h).Float32(); math.Float32bits(f) != math.Float32bits(ref) {
			t.Fatalf("F16ToF32(%#04x) = %v, x448 says %v", h, f, ref)
		}
		back := F32ToF16(f)
		if isNaN32(f) {
			if back&0x7c00 != 0x7c00 || back&0x03ff == 0 || back&0x0200 == 0 || back&0x8000 != h&0x8000 {
				t.Fatalf("F32ToF16(NaN from %#04x) = %#04x, want a quiet NaN with the same sign", h, back)
			}
			continue
		}
		if back != h {
			t.Fatalf("F32ToF16(F16ToF32(%#04x)) = %#04x", h, back)
		}
	}
}

// bf16Ref rounds f to bfloat16 with math/big (8-bit mantissa, nearest even)
// as an independent reference for finite values.
func bf16Ref(f float32) uint16 {
	if f == 0 || math.IsInf(float64(f), 0) {
		return uint16(math.Float32bits(f) >> 16)
	}
	// bfloat16 has float32's exponent range: subnormals have a fixed quantum of
	// 2^-133, normals 8 significant bits. Round with big.Float at the right precision.
	x := new(big.Float).SetFloat64(float64(f))
	exp := x.MantExp(nil) // f = mant * 2^exp, 0.5 <= |mant| < 1
	prec := uint(8)
	if exp-1 < -126 { // subnormal in bf16: bits available = 8 - (-126 - (exp-1))
		p := 8 - (-126 - (exp - 1))
		if p <= 0 {
			// Below half the smallest subnormal rounds to zero; the exact
			// half-way point rounds to even (zero).
			half := math.Ldexp(1, -134)
			if math.Abs(float64(f)) > half {
				return uint16(math.Float32bits(f)>>16)&0x8000 | 1
			}
			return uint16(math.Float32bits(f)>>16) & 0x8000
		}
		prec = uint(p)
	}
	r, _ := new(big.Float).SetMode(big.ToNearestEven).SetPrec(prec).Set(x).Float32()
	return uint16(math.Float32bits(r) >> 16)
}

func TestF32ToBF16AgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(u uint32) {
		f := math.Float32frombits(u)
		if isNaN32(f) {
			return
		}
		got, want := F32ToBF16(f), bf16Ref(f)
		if got != want {
			t.Fatalf("F32ToBF16(%g = %#08x) = %#04x, reference %#04x", f, u, got, want)
		}
	}
	for range 200000 {
		check(rng.Uint32())
	}
	// Every pattern near a rounding boundary of every bf16 value.
	for i := range 1 << 16 {
		base := uint32(i) << 16
		for _, low := range []uint32{0, 1, 0x7fff, 0x8000, 0x8001, 0xffff} {
			check(base | low)
		}
	}
}

func TestF32ToBF16Ties(t *testing.T) {
	cases := []struct {
		in   uint32
		want uint16
		why  string
	}{
		{0x3f808000, 0x3f80, "1 + 2^-8: tie, kept value even -> down"},
		{0x3f818000, 0x3f82, "tie, kept value odd -> up"},
		{0x3f808001, 0x3f81, "just above the tie -> up"},
		{0x3f807fff, 0x3f80, "just below the tie -> down"},
		{0xbf818000, 0xbf82, "negative tie, odd -> away from zero"},
		{0x7f7fffff, 0x7f80, "max float32 rounds to +Inf"},
		{0x7f7f7fff, 0x7f7f, "largest value that stays finite"},
		{0x7f7f8000, 0x7f80, "tie at the top, odd -> +Inf"},
		{0x00008000, 0x0000, "subnormal tie, even -> zero"},
		{0x00018000, 0x0002, "subnormal tie, odd -> up"},
		{0x80000000, 0x8000, "negative zero"},
		{0x7f800000, 0x7f80, "+Inf"},
		{0xff800000, 0xff80, "-Inf"},
		{0x00000001, 0x0000, "smallest float32 subnormal -> zero"},
	}
	for _, c := range cases {
		if got := F32ToBF16(math.Float32frombits(c.in)); got != c.want {
			t.Errorf("F32ToBF16(%#08x) = %#04x, want %#04x (%s)", c.in, got, c.want, c.why)
		}
	}
}

func TestBF16NaN(t *testing.T) {
	for _, u := range []uint32{0x7fc00000, 0x7f800001, 0x7f80ffff, 0xff800001, 0x7fffffff, 0xffc00000} {
		h := F32ToBF16(math.Float32frombits(u))
		if !isNaN32(BF16ToF32(h)) {
			t.Errorf("F32ToBF16(NaN %#08x) = %#04x, not a NaN", u, h)
		}
		if h&0x0040 == 0 {
			t.Errorf("F32ToBF16(NaN %#08x) = %#04x, not quiet", u, h)
		}
		if h&0x8000 != uint16(u>>16)&0x8000 {
			t.Errorf("F32ToBF16(NaN %#08x) = %#04x lost the sign", u, h)
		}
	}
}

func TestF32ToF16Cases(t *testing.T) {
	cases := []struct {
		in   float32
		want uint16
		why  string
	}{
		{1, 0x3c00, "one"},
		{65504, 0x7bff, "max finite"},
		{65520, 0x7c00, "tie above max -> Inf"},
		{65519.99, 0x7bff, "just below the tie stays finite"},
		{float32(math.Ldexp(1, -24)), 0x0001, "smallest subnormal"},
		{float32(math.Ldexp(1, -25)), 0x0000, "half the smallest subnormal: tie -> even (zero)"},
		{float32(math.Ldexp(3, -25)), 0x0002, "1.5 x smallest subnormal: tie -> even (2)"},
		{float32(math.Ldexp(1, -14)), 0x0400, "smallest normal"},
		{1 + float32(math.Ldexp(1, -11)), 0x3c00, "1 + half ulp: tie -> even"},
		{1 + float32(math.Ldexp(3, -11)), 0x3c02, "1 + 3 half ulps: tie -> even (up)"},
		{float32(math.Inf(-1)), 0xfc00, "-Inf"},
		{float32(math.Copysign(0, -1)), 0x8000, "-0"},
	}
	for _, c := range cases {
		if got := F32ToF16(c.in); got != c.want {
			t.Errorf("F32ToF16(%g) = %#04x, want %#04x (%s)", c.in, got, c.want, c.why)
		}
		if got, ref := F32ToF16(c.in), float16.Fromfloat32(c.in).Bits(); got != ref {
			t.Errorf("F32ToF16(%g) = %#04x, x448 %#04x", c.in, got, ref)
		}
	}
	if h := F32ToF16(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x0200 == 0 {
		t.Errorf("F32ToF16(NaN) = %#04x, want a quiet NaN", h)
	}
}

func TestF32ToF16RandomAgainstX448(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		f := math.Float32frombits(rng.Uint32())
		if got, ref := F32ToF16(f), float16.Fromfloat32(f).Bits(); got != ref {
			t.Fatalf("F32ToF16(%#08x) = %#04x, x448 %#04x", math.Float32bits(f), got, ref)
		}
	}
}

// TestSlicesExhaustive runs every 16-bit pattern through the slice
// functions and checks them against the scalar ones and explicit LE bytes.
func TestSlicesExhaustive(t *testing.T) {
	const n = 1 << 16
	raw := make([]byte, 2*n)
	for i := range n {
		raw[2*i] = byte(i)
		raw[2*i+1] = byte(i >> 8)
	}
	got := make([]float32, n)

	DecodeBF16(got, raw)
	for i := range n {
		if math.Float32bits(got[i]) != math.Float32bits(BF16ToF32(uint16(i))) {
			t.Fatalf("DecodeBF16[%#04x] = %v", i, got[i])
		}
	}
	enc := make([]byte, 2*n)
	EncodeBF16(enc, got)
	for i := range n {
		h := uint16(enc[2*i]) | uint16(enc[2*i+1])<<8
		if h != F32ToBF16(got[i]) {
			t.Fatalf("EncodeBF16[%#04x] = %#04x", i, h)
		}
	}

	DecodeF16(got, raw)
	for i := range n {
		if math.Float32bits(got[i]) != math.Float32bits(F16ToF32(uint16(i))) {
			t.Fatalf("DecodeF16[%#04x] = %v", i, got[i])
		}
	}
	EncodeF16(enc, got)
	for i := range n {
		h := uint16(enc[2*i]) | uint16(enc[2*i+1])<<8
		if h != F32ToF16(got[i]) {
			t.Fatalf("EncodeF16[%#04x] = %#04x", i, h)
		}
	}
}

func TestF32Slices(t *testing.T) {
	src := []float32{0, 1, -2.5, float32(math.Inf(1)), math.SmallestNonzeroFloat32, math.MaxFloat32}
	raw := make([]byte, 4*len(src))
	EncodeF32(raw, src)
	want := []byte{0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0, 0, 0, 0x80, 0x7f, 1, 0, 0, 0, 0xff, 0xff, 0x7f, 0x7f}
	if string(raw) != string(want) {
		t.Fatalf("EncodeF32 = % x, want % x", raw, want)
	}
	// Decode from an odd offset: the source need not be aligned.
	buf := append([]byte{0xAA}, raw...)
	got := make([]float32, len(src))
	DecodeF32(got, buf[1:])
	for i := range src {
		if got[i] != src[i] {
			t.Fatalf("DecodeF32[%d] = %v, want %v", i, got[i], src[i])
		}
	}
	DecodeF32(nil, nil) // empty is fine
	EncodeF32(nil, nil)
	DecodeF16(nil, nil)
	DecodeBF16(nil, nil)
}

func TestLengthMismatchPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"DecodeF32":  func() { DecodeF32(make([]float32, 2), make([]byte, 7)) },
		"DecodeF16":  func() { DecodeF16(make([]float32, 2), make([]byte, 5)) },
		"DecodeBF16": func() { DecodeBF16(make([]float32, 2), make([]byte, 3)) },
		"EncodeF32":  func() { EncodeF32(make([]byte, 9), make([]float32, 2)) },
		"EncodeF16":  func() { EncodeF16(make([]byte, 3), make([]float32, 2)) },
		"EncodeBF16": func() { EncodeBF16(make([]byte, 5), make([]float32, 2)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with mismatched lengths did not panic", name)
				}
			}()
			f()
		}()
	}
}

// TestOddLengths covers the tails of the unrolled loops.
func TestOddLengths(t *testing.T) {
	for n := range 10 {
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(i)*1.25 - 3
		}
		b16 := make([]byte, 2*n)
		got := make([]float32, n)
		EncodeBF16(b16, src)
		DecodeBF16(got, b16)
		for i := range src {
			if got[i] != src[i] { // exactly representable in bf16 and f16
				t.Fatalf("n=%d bf16 [%d] = %v, want %v", n, i, got[i], src[i])
			}
		}
		EncodeF16(b16, src)
		DecodeF16(got, b16)
		for i := range src {
			if got[i] != src[i] {
				t.Fatalf("n=%d f16 [%d] = %v, want %v", n, i, got[i], src[i])
			}
		}
	}
}
