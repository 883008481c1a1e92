// A Set of adapters over a LLaMA model: PEFT names, parameter specs, binding
// to the owner's flat buffer, initialisation, and the shared scratch.

package lora

import (
	"fmt"
	"math"
	"math/rand/v2"

	"embrec/tensor"
)

// Dims gives the (in, out) widths of projection proj in a model with
// hidden size C, intermediate size H, and q/kv widths Q, KV.
func Dims(proj string, C, H, Q, KV int) (in, out int) {
	switch proj {
	case "q_proj":
		return C, Q
	case "k_proj", "v_proj":
		return C, KV
	case "o_proj":
		return Q, C
	case "gate_proj", "up_proj":
		return C, H
	case "down_proj":
		return H, C
	}
	panic("lora: unknown projection " + proj)
}

// ModulePath is the HF module path of a projection in layer l.
func ModulePath(l int, proj string) string {
	block := "self_attn"
	if proj == "gate_proj" || proj == "up_proj" || proj == "down_proj" {
		block = "mlp"
	}
	return fmt.Sprintf("model.layers.%d.%s.%s", l, block, proj)
}

// PEFTName is the name PEFT saves a LoRA matrix under ("A" or "B").
func PEFTName(module, which string) string {
	return "base_model.model." + module + ".lora_" + which + ".weight"
}

// Set is every adapter of one model.
type Set struct {
	Config Config
	Layers [][]*Linear // (L, len(Targets)) in Config.Targets order
	All    []*Linear   // the same adapters, flat, layer-major
	b      tensor.Backend
	maxN   int
	scr    [4]*tensor.Tensor // xd, mask, dh, dxd: each (maxN, maxIn)
	views  map[viewKey]*tensor.Tensor
	maxIn  int

	// Training enables dropout; StepSeed selects this step's masks (set it
	// once per optimizer micro-step, before Forward).
	Training bool
	StepSeed uint64
}

type viewKey struct {
	base *tensor.Tensor
	r, c int
}

// NewSet creates adapters for every target projection of a model with
// layers blocks; dims gives each projection's (in, out). maxN is the
// expected largest row count per call (scratch grows beyond it if needed).
func NewSet(b tensor.Backend, cfg Config, layers int, dims func(proj string) (in, out int), maxN int) (*Set, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Set{Config: cfg, b: b, maxN: max(maxN, 1), views: map[viewKey]*tensor.Tensor{}}
	for l := 0; l < layers; l++ {
		var row []*Linear
		for pi, p := range cfg.Targets {
			in, out := dims(p)
			lin := &Linear{Name: ModulePath(l, p), In: in, Out: out, Rank: cfg.Rank, Scale: cfg.Scale(),
				Dropout: cfg.Dropout, set: s, seed: uint64(l*len(cfg.Targets)+pi+1) * 0x9e3779b97f4a7c15}
			s.maxIn = max(s.maxIn, in, out)
			row = append(row, lin)
			s.All = append(s.All, lin)
		}
		s.Layers = append(s.Layers, row)
	}
	return s, nil
}

// Spec names one trainable tensor and its shape.
type Spec struct {
	Name  string
	Shape []int
}

// Specs lists every A and B matrix in PEFT names, layer-major.
func (s *Set) Specs() []Spec {
	var out []Spec
	for _, l := range s.All {
		out = append(out, Spec{PEFTName(l.Name, "A"), []int{l.Rank, l.In}},
			Spec{PEFTName(l.Name, "B"), []int{l.Out, l.Rank}})
	}
	return out
}

// Bind points every adapter at its weight and gradient tensors, looked up
// by PEFT name (grad may return nil for a frozen adapter).
func (s *Set) Bind(weight, grad func(name string) *tensor.Tensor) {
	for _, l := range s.All {
		l.A, l.B = weight(PEFTName(l.Name, "A")), weight(PEFTName(l.Name, "B"))
		if l.A == nil || l.B == nil {
			panic("lora: no tensor bound for " + l.Name)
		}
		l.DA, l.DB = grad(PEFTName(l.Name, "A")), grad(PEFTName(l.Name, "B"))
	}
}

// Init sets every A like PEFT (uniform in +-1/sqrt(In), the bound of
// Kaiming-uniform with a = sqrt(5)) and every B to zero.
func (s *Set) Init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x10a4))
	for _, l := range s.All {
		bound := 1 / math.Sqrt(float64(l.In))
		a := make([]float32, l.A.Len())
		for i := range a {
			a[i] = float32((2*rng.Float64() - 1) * bound)
		}
		s.b.Upload(l.A, a)
		s.b.Fill(l.B, 0)
	}
}

// scratch returns shared scratch buffer i viewed as (n, c).
func (s *Set) scratch(i, n, c int) *tensor.Tensor {
	if s.scr[i] == nil || s.scr[i].Dim(0) < n {
		s.scr[i] = s.b.New(tensor.F32, max(n, s.maxN), s.maxIn)
		clear(s.views)
	}
	return s.view(s.scr[i], n, c)
}

// view returns base's leading (r, c) block, cached so that steady-state
// calls allocate nothing.
func (s *Set) view(base *tensor.Tensor, r, c int) *tensor.Tensor {
	k := viewKey{base, r, c}
	if v, ok := s.views[k]; ok {
		return v
	}
	v := base.View(0, r, c)
	s.views[k] = v
	return v
}
