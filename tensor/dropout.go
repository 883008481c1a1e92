// Dropout's mask from the counter-based generator (DropoutUniform), in the
// portable form every kernel must match bit for bit.

package tensor

import "math"

// SplitMix64's constants: the counter step (the golden ratio) and the
// finaliser's two multipliers.
const (
	dropGolden = 0x9e3779b97f4a7c15
	dropC1     = 0xbf58476d1ce4e5b9
	dropC2     = 0x94d049bb133111eb
)

// DropoutUniform is the counter-based RNG behind dropout: a uniform number
// in [0, 1) with 24 random bits, a pure function of (seed, i) (SplitMix64's
// finaliser over seed + (i+1) * golden ratio), cheap on any backend.
func DropoutUniform(seed uint64, i int) float32 {
	z := seed + uint64(i+1)*dropGolden
	z = (z ^ (z >> 30)) * dropC1
	z = (z ^ (z >> 27)) * dropC2
	z ^= z >> 31
	return float32(z>>40) * (1.0 / (1 << 24))
}

// dropoutConsts are what a dropout kernel needs for one call: the hash
// counters of the first 16 elements, the counter step per 16 (AVX-512) or
// 8 (AVX2) elements, SplitMix64's two multipliers, the integer threshold
// (the AVX2 kernel reads its low 32 bits) and the kept elements' scale.
// dropout_amd64.s reads it by these offsets: z 0, step16 128, step8 136,
// c1 144, c2 152, thresh 160, keep 168.
type dropoutConsts struct {
	z      [16]uint64 // seed + (start+k+1)*golden, k = 0..15
	step16 uint64     // 16*golden
	step8  uint64     // 8*golden
	c1, c2 uint64     // SplitMix64's multipliers
	thresh uint64     // drop element i when its 24-bit draw < thresh (at most 2^24)
	keep   float32    // 1/(1-p), the kept elements' scale
}

// newDropoutConsts prepares a kernel call over elements start, start+1, ...
// DropoutUniform(seed, i) < p compares float32(u)*2^-24 with p for the
// 24-bit draw u; both sides are exact, so it holds exactly when u <
// ceil(p*2^24), an integer comparison.
func newDropoutConsts(seed uint64, start int, p float32) dropoutConsts {
	g := uint64(dropGolden)
	c := dropoutConsts{step16: 16 * g, step8: 8 * g, c1: dropC1, c2: dropC2, keep: 1 / (1 - p)}
	for k := range c.z {
		c.z[k] = seed + uint64(start+k+1)*dropGolden
	}
	c.thresh = uint64(math.Ceil(float64(p) * (1 << 24)))
	return c
}

// dropoutSlice is dropoutGo with the kernels of the current level.
func dropoutSlice(o, m, x []float32, seed uint64, start int, p float32) {
	dropoutWith(isa, o, m, x, seed, start, p)
}

// dropoutGo is the reference: m[i] = 0 where element start+i is dropped,
// 1/(1-p) elsewhere, and o[i] = x[i]*m[i].
func dropoutGo(o, m, x []float32, seed uint64, start int, p float32) {
	keep := 1 / (1 - p)
	m, x = m[:len(o)], x[:len(o)]
	for i := range o {
		if DropoutUniform(seed, start+i) < p {
			m[i] = 0
		} else {
			m[i] = keep
		}
		o[i] = x[i] * m[i]
	}
}
