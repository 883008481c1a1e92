// Config: which layers get adapters, rank, alpha, dropout, and the PEFT
// adapter_config.json that carries them.

package lora

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// Projections are the linear layers of a LLaMA block, in HF names.
var Projections = []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}

// Config describes a set of adapters.
type Config struct {
	Rank    int      // R
	Alpha   float64  // scale = Alpha / Rank
	Dropout float32  // on the adapter's input, training only
	Targets []string // subset of Projections
}

// DefaultConfig is OpenP5's: rank 8, alpha 16, dropout 0.05 on q and v.
func DefaultConfig() Config {
	return Config{Rank: 8, Alpha: 16, Dropout: 0.05, Targets: []string{"q_proj", "v_proj"}}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.Rank < 1 {
		return fmt.Errorf("lora: rank %d < 1", c.Rank)
	}
	if c.Dropout < 0 || c.Dropout >= 1 {
		return fmt.Errorf("lora: dropout %v outside [0, 1)", c.Dropout)
	}
	if len(c.Targets) == 0 {
		return fmt.Errorf("lora: no target modules")
	}
	for _, t := range c.Targets {
		if !slices.Contains(Projections, t) {
			return fmt.Errorf("lora: unknown target module %q (want some of %v)", t, Projections)
		}
	}
	return nil
}

// Scale is alpha / rank.
func (c Config) Scale() float32 { return float32(c.Alpha / float64(c.Rank)) }

// peftConfig is the subset of PEFT's LoraConfig JSON that embrec writes
// and reads; unknown fields in a PEFT file are ignored on load.
type peftConfig struct {
	PeftType            string   `json:"peft_type"`
	TaskType            string   `json:"task_type"`
	R                   int      `json:"r"`
	LoraAlpha           float64  `json:"lora_alpha"`
	LoraDropout         float32  `json:"lora_dropout"`
	TargetModules       []string `json:"target_modules"`
	Bias                string   `json:"bias"`
	FanInFanOut         bool     `json:"fan_in_fan_out"`
	InferenceMode       bool     `json:"inference_mode"`
	BaseModelNameOrPath string   `json:"base_model_name_or_path"`
	UseRslora           bool     `json:"use_rslora"`
}

func (c Config) peft(base string) peftConfig {
	return peftConfig{PeftType: "LORA", TaskType: "CAUSAL_LM", R: c.Rank, LoraAlpha: c.Alpha,
		LoraDropout: c.Dropout, TargetModules: c.Targets, Bias: "none", InferenceMode: true,
		BaseModelNameOrPath: base}
}

// ReadConfig reads a PEFT adapter_config.json.
func ReadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("lora: %w", err)
	}
	var p peftConfig
	if err := json.Unmarshal(data, &p); err != nil {
		return Config{}, fmt.Errorf("lora: %s: %w", path, err)
	}
	switch {
	case p.PeftType != "LORA":
		return Config{}, fmt.Errorf("lora: %s: peft_type %q, want LORA", path, p.PeftType)
	case p.Bias != "" && p.Bias != "none":
		return Config{}, fmt.Errorf("lora: %s: bias %q not supported (want none)", path, p.Bias)
	case p.FanInFanOut:
		return Config{}, fmt.Errorf("lora: %s: fan_in_fan_out layers not supported", path)
	case p.UseRslora:
		return Config{}, fmt.Errorf("lora: %s: rsLoRA scaling not supported", path)
	}
	c := Config{Rank: p.R, Alpha: p.LoraAlpha, Dropout: p.LoraDropout, Targets: p.TargetModules}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%w (in %s)", err, path)
	}
	return c, nil
}
