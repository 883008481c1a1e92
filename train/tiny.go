// Small from-scratch backbones: a vocabulary built from the prompt
// templates (for when no tokenizer.model is at hand) and LLaMA configs for
// models trained from random initialisation on CPU.

package train

import (
	"fmt"
	"sort"
	"strings"

	"embrec/llama"
	"embrec/llama/tokenizer"
	"embrec/train/data"
)

// TemplateWords returns the words that prompts of dataset can contain:
// every word of every template with {dataset} filled in, the id prefixes
// "user_" and "item_" (digits are pieces of their own), ",", and the
// response suffix.
func TemplateWords(ts *data.TemplateSet, dataset string) []string {
	set := map[string]bool{"user_": true, "item_": true, ",": true, strings.TrimSpace(ResponseSuffix): true, dataset: true}
	r := strings.NewReplacer("{dataset}", dataset, "{user_id}", " ", "{history}", " item_ ", "{target}", " item_ ")
	for _, t := range ts.Templates {
		for _, s := range []string{t.Input, t.Output} {
			for _, w := range strings.Fields(r.Replace(s)) {
				set[w] = true
			}
		}
	}
	words := make([]string, 0, len(set))
	for w := range set {
		words = append(words, w)
	}
	sort.Strings(words)
	return words
}

// TemplateTokenizer builds a small BPE tokenizer whose pieces are the
// template words (see tokenizer.BuildBPE) and the extra words; it returns
// the model bytes too, to be saved as tokenizer.model.
func TemplateTokenizer(ts *data.TemplateSet, dataset string, extra ...string) ([]byte, *tokenizer.Tokenizer, error) {
	return tokenizer.BuildBPE("templates-"+dataset+".model", append(TemplateWords(ts, dataset), extra...))
}

// Item token schemes of a vocabulary built for a from-scratch backbone.
const (
	// ItemDigits writes "item_1234" as "item_" and one piece per digit,
	// as LLaMA's tokenizer does (OpenP5's setting).
	ItemDigits = "digits"
	// ItemWhole makes every catalogue item's "item_1234" one piece: the
	// target is then one token, and beam search over the trie ranks the
	// catalogue by that token's probability.
	ItemWhole = "whole"
)

// ItemWords returns the word of every catalogue item under ix, for
// TemplateTokenizer's extra words with ItemWhole.
func ItemWords(ix *data.Indexing) []string {
	w := make([]string, len(ix.ItemID))
	for i, id := range ix.ItemID {
		w[i] = data.ItemToken(id)
	}
	return w
}

// SmallConfigs are LLaMA shapes for training from scratch on CPU.
var SmallConfigs = map[string]llama.Config{
	"tiny":  {Hidden: 64, Intermediate: 172, Layers: 2, Heads: 4, KVHeads: 2, HeadSize: 16},
	"small": {Hidden: 128, Intermediate: 344, Layers: 4, Heads: 4, KVHeads: 2, HeadSize: 32},
	"base":  {Hidden: 256, Intermediate: 688, Layers: 4, Heads: 8, KVHeads: 4, HeadSize: 32},
}

// SmallConfig returns the named shape for a vocabulary of vocab pieces.
func SmallConfig(name string, vocab, maxPos int, bos, eos int32) (llama.Config, error) {
	c, ok := SmallConfigs[name]
	if !ok {
		names := make([]string, 0, len(SmallConfigs))
		for n := range SmallConfigs {
			names = append(names, n)
		}
		sort.Strings(names)
		return llama.Config{}, fmt.Errorf("train: unknown model config %q (have %s)", name, strings.Join(names, ", "))
	}
	c.Vocab, c.MaxPos, c.BOS, c.EOS = vocab, maxPos, bos, eos
	c.NormEps, c.RopeTheta, c.DType = 1e-5, 10000, "float32"
	return c, nil
}
