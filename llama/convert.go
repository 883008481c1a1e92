// Conversion of a llama2.c checkpoint (karpathy's v0 .bin format) into an
// HF LlamaForCausalLM directory, so that real llama2.c models exercise the
// production loading path.

package llama

import (
	"embrec/internal/atomicfile"

	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"embrec/llama/tokenizer"
	"embrec/tensor/half"
)

// ConvertLlama2C reads the llama2.c file in, checks the SentencePiece
// tokenizer tok against it, and writes dir: config.json, model.safetensors
// (F32; q_proj/k_proj rows permuted from llama2.c's interleaved RoPE pairs
// to HF's rotate-half layout; lm_head.weight written out even when the
// classifier is shared) and tokenizer.model (a copy of tok).
func ConvertLlama2C(in, tok, dir string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return fmt.Errorf("llama: convert: %w", err)
	}
	if len(raw) < 28 {
		return fmt.Errorf("llama: convert %s: %d bytes, too short for the 28-byte llama2.c header", in, len(raw))
	}
	var h [7]int32
	for i := range h {
		h[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	dim, hidden, layers, heads, kvHeads, vocab, seqLen := int(h[0]), int(h[1]), int(h[2]), int(h[3]), int(h[4]), int(h[5]), int(h[6])
	shared := vocab > 0
	if vocab < 0 {
		vocab = -vocab
	}
	if dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0 ||
		dim%heads != 0 || heads%kvHeads != 0 || (dim/heads)%2 != 0 {
		return fmt.Errorf("llama: convert %s: header %v (dim, hidden, layers, heads, kv_heads, vocab, seq_len) is not a valid llama2.c v0 model", in, h)
	}
	hs := dim / heads
	kvDim := kvHeads * hs
	floats := make([]float32, (len(raw)-28)/4)
	if (len(raw)-28)%4 != 0 {
		return fmt.Errorf("llama: convert %s: %d bytes of weights is not a multiple of 4", in, len(raw)-28)
	}
	half.DecodeF32(floats, raw[28:])
	L, C, H, V := layers, dim, hidden, vocab
	sizes := []int{V * C, L * C, L * C * C, L * kvDim * C, L * kvDim * C, L * C * C, L * C, L * H * C, L * C * H, L * H * C, C, seqLen * hs / 2, seqLen * hs / 2}
	want := 0
	for _, s := range sizes {
		want += s
	}
	if !shared {
		want += V * C
	}
	if len(floats) != want {
		return fmt.Errorf("llama: convert %s: %d float32 weights, header %v needs %d", in, len(floats), h, want)
	}
	next := func(n int) []float32 { s := floats[:n:n]; floats = floats[n:]; return s }
	emb, rmsAtt, wq, wk, wv, wo := next(V*C), next(L*C), next(L*C*C), next(L*kvDim*C), next(L*kvDim*C), next(L*C*C)
	rmsFFN, w1, w2, w3, rmsF := next(L*C), next(L*H*C), next(L*C*H), next(L*H*C), next(C)
	next(seqLen * hs) // legacy RoPE tables
	cls := emb
	if !shared {
		cls = next(V * C)
	}

	t, err := tokenizer.Load(tok)
	if err != nil {
		return fmt.Errorf("llama: convert: %w", err)
	}
	if t.VocabSize() != V {
		return fmt.Errorf("llama: convert: tokenizer %s has %d pieces, model %s has vocab %d", tok, t.VocabSize(), in, V)
	}
	cfg := Config{Hidden: C, Intermediate: H, Layers: L, Heads: heads, KVHeads: kvHeads, HeadSize: hs,
		Vocab: V, MaxPos: seqLen, NormEps: 1e-5, RopeTheta: 10000, TiedEmbed: false, BOS: t.BOS(), EOS: t.EOS()}
	layerOf := func(name string) (int, string) {
		var l int
		var rest string
		fmt.Sscanf(name, "model.layers.%d.%s", &l, &rest)
		return l, rest
	}
	values := func(name string, dst []float32) error {
		switch name {
		case "model.embed_tokens.weight":
			copy(dst, emb)
		case "lm_head.weight":
			copy(dst, cls)
		case "model.norm.weight":
			copy(dst, rmsF)
		default:
			l, rest := layerOf(name)
			part := func(all []float32, n int) []float32 { return all[l*n : (l+1)*n] }
			switch rest {
			case "input_layernorm.weight":
				copy(dst, part(rmsAtt, C))
			case "post_attention_layernorm.weight":
				copy(dst, part(rmsFFN, C))
			case "self_attn.q_proj.weight":
				permuteRotateHalf(dst, part(wq, C*C), heads, hs, C)
			case "self_attn.k_proj.weight":
				permuteRotateHalf(dst, part(wk, kvDim*C), kvHeads, hs, C)
			case "self_attn.v_proj.weight":
				copy(dst, part(wv, kvDim*C))
			case "self_attn.o_proj.weight":
				copy(dst, part(wo, C*C))
			case "mlp.gate_proj.weight":
				copy(dst, part(w1, H*C))
			case "mlp.up_proj.weight":
				copy(dst, part(w3, H*C))
			case "mlp.down_proj.weight":
				copy(dst, part(w2, C*H))
			default:
				return fmt.Errorf("no llama2.c source")
			}
		}
		return nil
	}
	meta := map[string]string{"format": "pt", "source": "converted by embrec from llama2.c " + filepath.Base(in)}
	if err := SaveDir(dir, cfg, values, SaveOptions{Metadata: meta}); err != nil {
		return err
	}
	tb, err := os.ReadFile(tok)
	if err != nil {
		return fmt.Errorf("llama: convert: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, "tokenizer.model"), tb)
}

// permuteRotateHalf reorders the rows of a (heads*hs, in) projection so
// that each head's interleaved RoPE pairs (2i, 2i+1) become rotate-half
// pairs (i, i+hs/2): new row p*hs/2+i of a head is old row 2i+p.
func permuteRotateHalf(dst, src []float32, heads, hs, in int) {
	half := hs / 2
	for h := 0; h < heads; h++ {
		for i := 0; i < half; i++ {
			for p := 0; p < 2; p++ {
				d := (h*hs + p*half + i) * in
				s := (h*hs + 2*i + p) * in
				copy(dst[d:d+in], src[s:s+in])
			}
		}
	}
}
