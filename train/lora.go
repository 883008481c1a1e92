// LoRA adapters on a LLaMA backbone: created with their trainable
// parameters in one Params, and plugged into (or out of) the model.

package train

import (
	"embrec/llama"
	"embrec/lora"
)

// NewLoRA creates adapters of cfg on every layer of llm, their weights,
// gradients and AdamW moments in one Params under PEFT names, initialised
// like PEFT from seed (maxN as in lora.NewSet). They are not plugged in:
// see AttachLoRA.
func NewLoRA(llm *llama.Model, cfg lora.Config, maxN int, seed uint64) (*lora.Set, *Params, error) {
	c := llm.Config
	set, err := lora.NewSet(llm.Backend, cfg, c.Layers, func(p string) (int, int) {
		return lora.Dims(p, c.Hidden, c.Intermediate, c.QDim(), c.KVDim())
	}, maxN)
	if err != nil {
		return nil, nil, err
	}
	var specs []Spec
	for _, s := range set.Specs() {
		specs = append(specs, Spec{s.Name, s.Shape})
	}
	p := NewParams(llm.Backend, specs)
	set.Bind(p.Weight, p.Grad)
	set.Init(seed)
	return set, p, nil
}

// AttachLoRA plugs set's adapters into llm (on) or unplugs them.
func AttachLoRA(llm *llama.Model, set *lora.Set, on bool) {
	for l, row := range set.Layers {
		for i, lin := range row {
			p, _ := llama.ParseProj(set.Config.Targets[i])
			if on {
				llm.SetAdapter(l, p, lin)
			} else {
				llm.SetAdapter(l, p, nil)
			}
		}
	}
}
