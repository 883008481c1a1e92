// Fuzzing config.json parsing: arbitrary bytes give a config that passes
// its own checks (and whose shapes can be computed without overflow
// panics) or an error naming the file, never a panic.

package llama

import (
	"strings"
	"testing"
)

func FuzzParseConfig(f *testing.F) {
	f.Add(smallConfig().JSON())
	f.Add([]byte(`{"hidden_size": 3200, "intermediate_size": 8640, "num_hidden_layers": 26, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000, "max_position_embeddings": 2048, "rms_norm_eps": 1e-6, "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false, "hidden_act": "silu", "torch_dtype": "float16", "architectures": ["LlamaForCausalLM"]}`))
	f.Add([]byte(`{"hidden_size": -1}`))
	f.Add([]byte(`{"hidden_size": 64, "num_attention_heads": 0}`))
	f.Add([]byte(`{"rope_scaling": {"type": "linear", "factor": 2}}`))
	f.Add([]byte(`[1, 2]`))
	f.Add([]byte(`{"hidden_size": 1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("fuzz.json", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if c.Hidden <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.Vocab <= 0 || c.HeadSize <= 0 {
			t.Fatalf("accepted config %+v", c)
		}
		if _, err := ParseConfig("again.json", c.JSON()); err != nil {
			t.Fatalf("the config's own JSON does not parse: %v", err)
		}
	})
}
