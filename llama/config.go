// config.json: the model hyper-parameters of an HF LlamaForCausalLM
// directory, parsed strictly (unknown keys and unsupported values are
// errors that name the file and the field).

package llama

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
)

// Config holds the hyper-parameters of a LLaMA model.
type Config struct {
	Hidden       int     // C, hidden_size
	Intermediate int     // H, intermediate_size
	Layers       int     // L, num_hidden_layers
	Heads        int     // NH, num_attention_heads
	KVHeads      int     // NKV, num_key_value_heads (default NH)
	HeadSize     int     // HS = C / NH (head_dim, when given, must agree)
	Vocab        int     // V, vocab_size
	MaxPos       int     // max_position_embeddings (RoPE table length)
	NormEps      float32 // rms_norm_eps
	RopeTheta    float64 // rope_theta (default 10000)
	TiedEmbed    bool    // tie_word_embeddings (HF's default is true)
	BOS, EOS     int32   // bos_token_id, eos_token_id (-1 when absent)
	DType        string  // torch_dtype as written ("float32", "bfloat16", "float16"), informational
}

// rawConfig mirrors the JSON fields; pointers tell absent from zero.
type rawConfig struct {
	Hidden       *int     `json:"hidden_size"`
	Intermediate *int     `json:"intermediate_size"`
	Layers       *int     `json:"num_hidden_layers"`
	Heads        *int     `json:"num_attention_heads"`
	KVHeads      *int     `json:"num_key_value_heads"`
	HeadDim      *int     `json:"head_dim"`
	Vocab        *int     `json:"vocab_size"`
	MaxPos       *int     `json:"max_position_embeddings"`
	NormEps      *float64 `json:"rms_norm_eps"`
	RopeTheta    *float64 `json:"rope_theta"`
	Tied         *bool    `json:"tie_word_embeddings"`
	BOS          *int32   `json:"bos_token_id"`
	EOS          *int32   `json:"eos_token_id"`
	DType        *string  `json:"torch_dtype"`
	ModelType    *string  `json:"model_type"`
	Arch         []string `json:"architectures"`
	Act          *string  `json:"hidden_act"`
	PretrainTP   *int     `json:"pretraining_tp"`
	AttnBias     *bool    `json:"attention_bias"`
	MLPBias      *bool    `json:"mlp_bias"`
	RopeScaling  any      `json:"rope_scaling"`
	AttnDropout  *float64 `json:"attention_dropout"`
}

// ignoredKeys are config keys that do not change the computation.
var ignoredKeys = map[string]bool{
	"initializer_range": true, "transformers_version": true, "use_cache": true,
	"pad_token_id": true, "_name_or_path": true, "max_sequence_length": true,
	"torch_dtype": true, "architectures": true, "model_type": true,
	"sep_token_id": true, "unk_token_id": true, "output_attentions": true,
	"output_hidden_states": true, "return_dict": true,
}

// LoadConfig reads and validates path (a config.json).
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("llama: read config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig parses the bytes of a config.json; name is used in errors.
func ParseConfig(name string, data []byte) (Config, error) {
	bad := func(field, format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("llama: %s: field %q: %s", name, field, fmt.Sprintf(format, args...))
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return Config{}, fmt.Errorf("llama: %s: not a JSON object: %w", name, err)
	}
	known := map[string]bool{}
	for _, k := range jsonFieldNames() {
		known[k] = true
	}
	var unknown []string
	for k := range keys {
		if !known[k] && !ignoredKeys[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return bad(unknown[0], "unknown field (embrec does not know whether it changes the model; all unknown: %v)", unknown)
	}
	var r rawConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return Config{}, fmt.Errorf("llama: %s: %w", name, err)
	}
	need := func(field string, v *int) (int, error) {
		if v == nil {
			return 0, fmt.Errorf("llama: %s: field %q: missing", name, field)
		}
		if *v <= 0 {
			return 0, fmt.Errorf("llama: %s: field %q: %d, want a positive integer", name, field, *v)
		}
		return *v, nil
	}
	var c Config
	var err error
	if c.Hidden, err = need("hidden_size", r.Hidden); err != nil {
		return Config{}, err
	}
	if c.Intermediate, err = need("intermediate_size", r.Intermediate); err != nil {
		return Config{}, err
	}
	if c.Layers, err = need("num_hidden_layers", r.Layers); err != nil {
		return Config{}, err
	}
	if c.Heads, err = need("num_attention_heads", r.Heads); err != nil {
		return Config{}, err
	}
	if c.Vocab, err = need("vocab_size", r.Vocab); err != nil {
		return Config{}, err
	}
	c.MaxPos = 2048
	if r.MaxPos != nil {
		if c.MaxPos, err = need("max_position_embeddings", r.MaxPos); err != nil {
			return Config{}, err
		}
	}
	c.KVHeads = c.Heads
	if r.KVHeads != nil {
		if c.KVHeads, err = need("num_key_value_heads", r.KVHeads); err != nil {
			return Config{}, err
		}
	}
	if c.Heads%c.KVHeads != 0 {
		return bad("num_key_value_heads", "%d does not divide num_attention_heads %d", c.KVHeads, c.Heads)
	}
	if c.Hidden%c.Heads != 0 {
		return bad("num_attention_heads", "%d does not divide hidden_size %d", c.Heads, c.Hidden)
	}
	c.HeadSize = c.Hidden / c.Heads
	if r.HeadDim != nil && *r.HeadDim != c.HeadSize {
		return bad("head_dim", "%d, but hidden_size/num_attention_heads = %d (a separate head_dim is not supported)", *r.HeadDim, c.HeadSize)
	}
	if c.HeadSize%2 != 0 {
		return bad("num_attention_heads", "head size %d is odd; RoPE needs an even head size", c.HeadSize)
	}
	c.NormEps = 1e-6
	if r.NormEps != nil {
		if !(*r.NormEps > 0 && *r.NormEps < 1) {
			return bad("rms_norm_eps", "%g, want a value in (0, 1)", *r.NormEps)
		}
		c.NormEps = float32(*r.NormEps)
	}
	c.RopeTheta = 10000
	if r.RopeTheta != nil {
		if !(*r.RopeTheta > 1) || math.IsInf(*r.RopeTheta, 0) {
			return bad("rope_theta", "%g, want a finite value > 1", *r.RopeTheta)
		}
		c.RopeTheta = *r.RopeTheta
	}
	c.TiedEmbed = true // HF PretrainedConfig default
	if r.Tied != nil {
		c.TiedEmbed = *r.Tied
	}
	c.BOS, c.EOS = -1, -1
	if r.BOS != nil {
		c.BOS = *r.BOS
	}
	if r.EOS != nil {
		c.EOS = *r.EOS
	}
	for _, f := range []struct {
		field string
		v     int32
	}{{"bos_token_id", c.BOS}, {"eos_token_id", c.EOS}} {
		if f.v < -1 || int(f.v) >= c.Vocab {
			return bad(f.field, "%d outside the vocabulary of %d", f.v, c.Vocab)
		}
	}
	if r.DType != nil {
		switch *r.DType {
		case "float32", "float16", "bfloat16":
			c.DType = *r.DType
		default:
			return bad("torch_dtype", "%q, want float32, float16 or bfloat16", *r.DType)
		}
	}
	if r.ModelType != nil && *r.ModelType != "llama" {
		return bad("model_type", "%q, want \"llama\"", *r.ModelType)
	}
	for _, a := range r.Arch {
		if a != "LlamaForCausalLM" && a != "LlamaModel" {
			return bad("architectures", "%q, want LlamaForCausalLM", a)
		}
	}
	if r.Act != nil && *r.Act != "silu" {
		return bad("hidden_act", "%q, only \"silu\" (SwiGLU) is supported", *r.Act)
	}
	if r.PretrainTP != nil && *r.PretrainTP != 1 {
		return bad("pretraining_tp", "%d, only 1 is supported", *r.PretrainTP)
	}
	if r.AttnBias != nil && *r.AttnBias {
		return bad("attention_bias", "true is not supported")
	}
	if r.MLPBias != nil && *r.MLPBias {
		return bad("mlp_bias", "true is not supported")
	}
	if r.RopeScaling != nil {
		return bad("rope_scaling", "%v is not supported (only null)", r.RopeScaling)
	}
	if r.AttnDropout != nil && *r.AttnDropout != 0 {
		return bad("attention_dropout", "%g is not supported (only 0)", *r.AttnDropout)
	}
	return c, c.check()
}

// jsonFieldNames lists the keys rawConfig decodes.
func jsonFieldNames() []string {
	return []string{"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
		"num_key_value_heads", "head_dim", "vocab_size", "max_position_embeddings", "rms_norm_eps",
		"rope_theta", "tie_word_embeddings", "bos_token_id", "eos_token_id", "torch_dtype", "model_type",
		"architectures", "hidden_act", "pretraining_tp", "attention_bias", "mlp_bias", "rope_scaling",
		"attention_dropout"}
}

// check validates a Config built in code (NewRandom) or parsed.
func (c Config) check() error {
	if c.Hidden <= 0 || c.Intermediate <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.KVHeads <= 0 ||
		c.Vocab <= 0 || c.MaxPos <= 0 || c.Heads%c.KVHeads != 0 || c.HeadSize*c.Heads != c.Hidden ||
		c.HeadSize%2 != 0 || !(c.NormEps > 0) || !(c.RopeTheta > 1) {
		return fmt.Errorf("llama: invalid config %+v", c)
	}
	return nil
}

// QDim is NH*HS, the width of the query projection; KVDim is NKV*HS.
func (c Config) QDim() int  { return c.Heads * c.HeadSize }
func (c Config) KVDim() int { return c.KVHeads * c.HeadSize }

// JSON returns the config as an HF config.json document.
func (c Config) JSON() []byte {
	m := map[string]any{
		"architectures":           []string{"LlamaForCausalLM"},
		"model_type":              "llama",
		"hidden_act":              "silu",
		"hidden_size":             c.Hidden,
		"intermediate_size":       c.Intermediate,
		"num_hidden_layers":       c.Layers,
		"num_attention_heads":     c.Heads,
		"num_key_value_heads":     c.KVHeads,
		"vocab_size":              c.Vocab,
		"max_position_embeddings": c.MaxPos,
		"rms_norm_eps":            json.Number(strconv.FormatFloat(float64(c.NormEps), 'g', -1, 32)),
		"rope_theta":              c.RopeTheta,
		"tie_word_embeddings":     c.TiedEmbed,
		"torch_dtype":             "float32",
	}
	if c.DType != "" {
		m["torch_dtype"] = c.DType
	}
	if c.BOS >= 0 {
		m["bos_token_id"] = c.BOS
	}
	if c.EOS >= 0 {
		m["eos_token_id"] = c.EOS
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}
