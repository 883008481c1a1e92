// Tests of the vocabularies built for from-scratch backbones: with whole
// item tokens every item's target is one piece between the dataset's
// name and EOS, distinct per item, and prompts still tokenize losslessly.

package train

import (
	"testing"

	"embrec/train/data"
)

func TestWholeItemTokens(t *testing.T) {
	d, err := data.Synth(data.SynthConfig{Users: 30, Items: 50, MinLen: 5, MaxLen: 9, Clusters: 3, Follow: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ts := data.DefaultTemplates()
	ix := data.SequentialIndexing(d)
	_, digits, err := TemplateTokenizer(ts, d.Name)
	if err != nil {
		t.Fatal(err)
	}
	_, whole, err := TemplateTokenizer(ts, d.Name, ItemWords(ix)...)
	if err != nil {
		t.Fatal(err)
	}
	tpl := ts.Task("sequential", true)[0]
	seen := map[int32]int32{}
	for it := int32(0); it < int32(d.NumItems()); it++ {
		w := (&Encoder{Tok: whole, Data: d, Ix: ix}).ItemSequence(tpl, it)
		g := (&Encoder{Tok: digits, Data: d, Ix: ix}).ItemSequence(tpl, it)
		if len(w) != 3 || w[2] != whole.EOS() {
			t.Fatalf("item %d: whole-token target %v, want [dataset, item, EOS]", it, w)
		}
		if len(g) <= 3 {
			t.Fatalf("item %d: digit target %v is not longer than the whole-token one", it, g)
		}
		if prev, dup := seen[w[1]]; dup {
			t.Fatalf("items %d and %d share the piece %d", prev, it, w[1])
		}
		seen[w[1]] = it
		if got := whole.Decode(w[:2]); got != d.Name+" "+data.ItemToken(ix.ItemID[it]) {
			t.Fatalf("item %d decodes as %q", it, got)
		}
	}
}
