// Dropout's mask from the counter-based generator (DropoutUniform), in the
// portable form every kernel must match bit for bit.

package tensor

import "math"

// dropoutConsts are what a dropout kernel needs for one call: the hash
// counters of the first 16 elements, the counter step per 16 (AVX-512) or
// 8 (AVX2) elements, splitmix64's two multipliers, the integer threshold and
// the kept elements' scale. dropout_amd64.s reads it by these offsets:
// z 0, step16 128, step8 136, c1 144, c2 152, thresh 160, keep 168,
// thresh4 172.
type dropoutConsts struct {
	z       [16]uint64 // seed + (start+k+1)*golden, k = 0..15
	step16  uint64     // 16*golden
	step8   uint64     // 8*golden
	c1, c2  uint64     // splitmix64's multipliers
	thresh  uint64     // drop element i when its 24-bit draw < thresh
	keep    float32    // 1/(1-p), the kept elements' scale
	thresh4 uint32     // thresh as a 32-bit lane (AVX2)
}

const (
	dropGolden = 0x9e3779b97f4a7c15
	dropC1     = 0xbf58476d1ce4e5b9
	dropC2     = 0x94d049bb133111eb
)

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
	c.thresh4 = uint32(c.thresh)
	return c
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
