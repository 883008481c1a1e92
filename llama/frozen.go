// Frozen weights in a storage dtype: converting a model's matrices to BF16
// (how the GPU keeps a frozen backbone: half the memory, tensor-core
// products), and fast random frozen weights for full-scale benchmarks.

package llama

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"embrec/tensor"
)

// Freeze converts every weight matrix (embedding, projections, lm_head) to
// dtype dt (F32, F16 or BF16) on the model's backend; norm weights stay
// F32. The model becomes read-only: Params is dropped, mapped files are
// released. Use it for a frozen backbone whose backend multiplies the
// storage dtype (the cuda backend runs BF16 products on the tensor cores,
// the CPU backend BF16 products with VDPBF16PS where the CPU has
// AVX512_BF16, float32 sums either way). Adapters are kept.
func (m *Model) Freeze(dt tensor.DType) error {
	if dt != tensor.F32 && dt != tensor.F16 && dt != tensor.BF16 {
		return fmt.Errorf("llama: Freeze: dtype %v, want F32, F16 or BF16", dt)
	}
	conv := func(t *tensor.Tensor) *tensor.Tensor {
		if t == nil || t.DType() == dt {
			return t
		}
		out := m.Backend.New(dt, t.Shape()...)
		m.Backend.Copy(out, t)
		return out
	}
	w := &m.Weights
	tied := w.Head == w.Embed
	w.Embed = conv(w.Embed)
	for l := range w.Layers {
		y := &w.Layers[l]
		y.Q, y.K, y.V, y.O = conv(y.Q), conv(y.K), conv(y.V), conv(y.O)
		y.Gate, y.Up, y.Down = conv(y.Gate), conv(y.Up), conv(y.Down)
	}
	if tied {
		w.Head = w.Embed
	} else {
		w.Head = conv(w.Head)
	}
	m.Params = nil
	return m.Close()
}

// NewFrozenRandom returns a read-only model whose weight matrices are
// separate tensors of dtype dt and whose norm weights are ones (F32). The
// matrices are drawn uniformly with standard deviation std (not normally,
// as NewRandom does) from a counter-based generator, in parallel: an
// OpenLLaMA-3B-shaped model fills in about a second on 16 cores where
// NewRandom's serial normal draws take about a minute. For benchmarks and
// tests of adapter training; weights are a pure function of seed.
func NewFrozenRandom(c Config, b tensor.Backend, dt tensor.DType, std float64, seed uint64) (*Model, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if dt != tensor.F32 && dt != tensor.F16 && dt != tensor.BF16 {
		return nil, fmt.Errorf("llama: NewFrozenRandom: dtype %v, want F32, F16 or BF16", dt)
	}
	specs := c.Specs()
	largest := 0
	for _, s := range specs {
		largest = max(largest, numel(s.Shape))
	}
	host := make([]float32, largest)
	byName := make(map[string]*tensor.Tensor, len(specs))
	for i, s := range specs {
		n := numel(s.Shape)
		if len(s.Shape) == 1 { // RMSNorm weight
			t := b.New(tensor.F32, s.Shape...)
			b.Fill(t, 1)
			byName[s.Name] = t
			continue
		}
		t := b.New(dt, s.Shape...)
		fillUniform(host[:n], std, seed^uint64(i+1)*0x9e3779b97f4a7c15)
		b.Upload(t, host[:n])
		byName[s.Name] = t
	}
	return newModel(c, b, bindWeights(c, func(name string) *tensor.Tensor { return byName[name] })), nil
}

// fillUniform sets dst[i] to a uniform value in [-a, a), a = std*sqrt(3),
// from splitmix64 of (key, i), split over the CPUs.
func fillUniform(dst []float32, std float64, key uint64) {
	a := std * math.Sqrt(3)
	const chunk = 1 << 20
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for lo := 0; lo < len(dst); lo += chunk {
		hi := min(lo+chunk, len(dst))
		wg.Add(1)
		sem <- struct{}{}
		go func(lo, hi int) {
			defer func() { <-sem; wg.Done() }()
			for i := lo; i < hi; i++ {
				u := float64(splitmix64(key+uint64(i))>>11) / (1 << 53) // [0, 1)
				dst[i] = float32((2*u - 1) * a)
			}
		}(lo, hi)
	}
	wg.Wait()
}

// splitmix64 is a bijective 64-bit mixer (Steele, Lea and Flood 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
