// The model: weights bound to tensors by their HF names, the parameter
// layout shared by weights and gradients, and random initialisation.

package llama

import (
	"fmt"
	"io"
	"math/rand/v2"

	"embrec/tensor"
)

// Layer holds one transformer block's tensors, HF layout (out, in).
type Layer struct {
	AttnNorm *tensor.Tensor // (C) input_layernorm
	Q        *tensor.Tensor // (NH*HS, C)
	K        *tensor.Tensor // (NKV*HS, C)
	V        *tensor.Tensor // (NKV*HS, C)
	O        *tensor.Tensor // (C, NH*HS)
	MLPNorm  *tensor.Tensor // (C) post_attention_layernorm
	Gate     *tensor.Tensor // (H, C)
	Up       *tensor.Tensor // (H, C)
	Down     *tensor.Tensor // (C, H)
}

// Weights is the full set of tensors of a model. The same struct holds
// gradients; a nil field there means "no gradient" (frozen).
type Weights struct {
	Embed  *tensor.Tensor // (V, C)
	Layers []Layer        // (L)
	Norm   *tensor.Tensor // (C)
	Head   *tensor.Tensor // (V, C); the same tensor as Embed when tied
}

// Model is a LLaMA network on a Backend. Its weights are read-only unless
// it was built by NewRandom or MakeWritable (then Params holds them).
type Model struct {
	Config  Config
	Backend tensor.Backend
	Weights
	// Params is the flat writable buffer behind Weights, or nil when the
	// weights are memory-mapped (read-only) or scattered.
	Params *Params

	adapters [][numProj]Adapter // (L, 7), nil entries: no adapter
	cos, sin *tensor.Tensor     // (MaxPos, HS/2) RoPE tables
	closers  []io.Closer        // mapped files behind zero-copy weights
	// beamDecs are BeamSearchBatch's prefill and decoding Decoders, kept
	// for the next call (grown when one is too small): a served batch
	// then allocates no cache.
	beamDecs [2]*Decoder
	// beamBuf is BeamSearchBatch's host-side scratch, kept likewise.
	beamBuf beamScratch
}

// ParamSpec names one parameter tensor and its shape.
type ParamSpec struct {
	Name  string
	Shape []int
}

// Specs lists the model's parameters in HF names and canonical order
// (embedding, layers, final norm, lm_head unless tied).
func (c Config) Specs() []ParamSpec {
	C, H, q, kv := c.Hidden, c.Intermediate, c.QDim(), c.KVDim()
	s := []ParamSpec{{"model.embed_tokens.weight", []int{c.Vocab, C}}}
	for l := 0; l < c.Layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		s = append(s,
			ParamSpec{p + "input_layernorm.weight", []int{C}},
			ParamSpec{p + "self_attn.q_proj.weight", []int{q, C}},
			ParamSpec{p + "self_attn.k_proj.weight", []int{kv, C}},
			ParamSpec{p + "self_attn.v_proj.weight", []int{kv, C}},
			ParamSpec{p + "self_attn.o_proj.weight", []int{C, q}},
			ParamSpec{p + "post_attention_layernorm.weight", []int{C}},
			ParamSpec{p + "mlp.gate_proj.weight", []int{H, C}},
			ParamSpec{p + "mlp.up_proj.weight", []int{H, C}},
			ParamSpec{p + "mlp.down_proj.weight", []int{C, H}},
		)
	}
	s = append(s, ParamSpec{"model.norm.weight", []int{C}})
	if !c.TiedEmbed {
		s = append(s, ParamSpec{"lm_head.weight", []int{c.Vocab, C}})
	}
	return s
}

// NumParams is the number of scalar parameters.
func (c Config) NumParams() int64 {
	var n int64
	for _, s := range c.Specs() {
		k := int64(1)
		for _, d := range s.Shape {
			k *= int64(d)
		}
		n += k
	}
	return n
}

// bindWeights fills a Weights from tensors looked up by HF name.
func bindWeights(c Config, get func(name string) *tensor.Tensor) Weights {
	w := Weights{Embed: get("model.embed_tokens.weight"), Norm: get("model.norm.weight")}
	w.Layers = make([]Layer, c.Layers)
	for l := range w.Layers {
		p := fmt.Sprintf("model.layers.%d.", l)
		w.Layers[l] = Layer{
			AttnNorm: get(p + "input_layernorm.weight"),
			Q:        get(p + "self_attn.q_proj.weight"),
			K:        get(p + "self_attn.k_proj.weight"),
			V:        get(p + "self_attn.v_proj.weight"),
			O:        get(p + "self_attn.o_proj.weight"),
			MLPNorm:  get(p + "post_attention_layernorm.weight"),
			Gate:     get(p + "mlp.gate_proj.weight"),
			Up:       get(p + "mlp.up_proj.weight"),
			Down:     get(p + "mlp.down_proj.weight"),
		}
	}
	if c.TiedEmbed {
		w.Head = w.Embed
	} else {
		w.Head = get("lm_head.weight")
	}
	return w
}

// newModel finishes a model around bound weights: RoPE tables, adapters.
func newModel(c Config, b tensor.Backend, w Weights) *Model {
	m := &Model{Config: c, Backend: b, Weights: w, adapters: make([][numProj]Adapter, c.Layers)}
	m.cos, m.sin = tensor.RoPETable(b, c.MaxPos, c.HeadSize, c.RopeTheta)
	return m
}

// NewRandom returns a model with all weights in one flat writable buffer
// (Model.Params), initialised like HF LlamaForCausalLM: normal(0, std)
// matrices, unit norm weights. Use it to train small models from scratch,
// for tests and benchmarks.
func NewRandom(c Config, b tensor.Backend, std float64, seed uint64) (*Model, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	p := NewParams(b, c.Specs())
	rng := rand.New(rand.NewPCG(seed, 0x6c6c616d61))
	host := make([]float32, 0)
	for _, v := range p.Views {
		host = host[:0]
		isNorm := v.Rank() == 1
		for j := 0; j < v.Len(); j++ {
			if isNorm {
				host = append(host, 1)
			} else {
				host = append(host, float32(rng.NormFloat64()*std))
			}
		}
		b.Upload(v, host)
	}
	m := newModel(c, b, bindWeights(c, p.Get))
	m.Params = p
	return m, nil
}

// MakeWritable copies the weights into one flat writable buffer
// (Model.Params) so that an optimizer may update them (full fine-tuning),
// and releases any memory-mapped files.
func (m *Model) MakeWritable() error {
	if m.Params != nil {
		return nil
	}
	p := NewParams(m.Backend, m.Config.Specs())
	old := m.paramMap()
	for i, name := range p.Names {
		m.Backend.Copy(p.Views[i], old[name])
	}
	m.Weights = bindWeights(m.Config, p.Get)
	m.Params = p
	return m.Close()
}

// paramMap maps HF names to the model's weight tensors.
func (m *Model) paramMap() map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	specs := m.Config.Specs()
	ts := m.Weights.list(m.Config)
	for i, s := range specs {
		out[s.Name] = ts[i]
	}
	return out
}

// list returns the tensors of w in Specs order (nil where absent).
func (w *Weights) list(c Config) []*tensor.Tensor {
	ts := []*tensor.Tensor{w.Embed}
	for _, l := range w.Layers {
		ts = append(ts, l.AttnNorm, l.Q, l.K, l.V, l.O, l.MLPNorm, l.Gate, l.Up, l.Down)
	}
	ts = append(ts, w.Norm)
	if !c.TiedEmbed {
		ts = append(ts, w.Head)
	}
	return ts
}

// Close releases the memory-mapped files behind the weights. The model
// must not be used afterwards unless MakeWritable copied its weights.
func (m *Model) Close() error {
	var first error
	for _, c := range m.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	m.closers = nil
	return first
}

// Params is a flat float32 buffer with named views, in the order of the
// specs it was built from: weights, gradients, optimizer moments.
type Params struct {
	Flat  *tensor.Tensor   // (total)
	Names []string         // in spec order
	Views []*tensor.Tensor // views of Flat, shaped as the specs
	index map[string]int
}

// NewParams allocates a zeroed flat buffer for specs.
func NewParams(b tensor.Allocator, specs []ParamSpec) *Params {
	total := 0
	for _, s := range specs {
		total += numel(s.Shape)
	}
	p := &Params{Flat: b.New(tensor.F32, total), index: map[string]int{}}
	off := 0
	for i, s := range specs {
		p.Names = append(p.Names, s.Name)
		p.Views = append(p.Views, p.Flat.View(off, s.Shape...))
		p.index[s.Name] = i
		off += numel(s.Shape)
	}
	return p
}

// Get returns the view named name, or nil.
func (p *Params) Get(name string) *tensor.Tensor {
	i, ok := p.index[name]
	if !ok {
		return nil
	}
	return p.Views[i]
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// NewGrads returns gradient buffers for every weight of the model (full
// fine-tuning or training from scratch), in one flat buffer (Params) and
// bound as Weights. Tied models share the embedding gradient with the head.
func (m *Model) NewGrads() (*Weights, *Params) {
	p := NewParams(m.Backend, m.Config.Specs())
	w := bindWeights(m.Config, p.Get)
	return &w, p
}

// DefaultStd is HF LLaMA's initializer_range.
const DefaultStd = 0.02
