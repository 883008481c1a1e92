// The item head: with one token per item (ItemWhole) and a trainable
// backbone, stage 2 may start with each item token's lm_head row set to
// the item's projected WALS vector f_i(V[item]) (rescaled to the
// initialisation's size), so that items close in the collaborative space
// start with close output directions instead of random ones.

package train

import (
	"fmt"
	"math"

	"embrec/llama"
	"embrec/tensor"
	"embrec/train/data"
)

// Item head initialisations (RunSpec.ItemHead).
const (
	ItemHeadRandom = "random" // the backbone's own initialisation ("" too)
	ItemHeadWALS   = "wals"   // f_i(V[item]) at stage 2's start
)

// InitItemHead sets the lm_head row of every item's token (its target
// under tpl must be one token between the dataset's name and EOS) to
// f_i(V[item]), scaled to a root mean square of llama.DefaultStd.
func (r *Recommender) InitItemHead(tpl data.Template) error {
	if r.ItemProj == nil || r.Full == nil {
		return fmt.Errorf("train: the WALS item head needs embed mode and a trainable backbone (--full)")
	}
	d, b, C := r.Enc.Data, r.b, r.LLM.Config.Hidden
	ni := d.NumItems()
	toks := make([]int32, ni)
	for it := range toks {
		seq := r.Enc.ItemSequence(tpl, int32(it))
		if len(seq) != 3 {
			return fmt.Errorf("train: item %s is %d tokens under this vocabulary; the WALS item head needs one token per item (--item-tokens whole)", d.Items[it], len(seq)-2)
		}
		toks[it] = seq[1]
	}
	y := b.New(tensor.F32, ni, C)
	r.ItemProj.Forward(y, r.V) // (NI, C)
	host := make([]float32, ni*C)
	b.Download(host, y)
	for it, tok := range toks {
		row := host[it*C : (it+1)*C]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		s := float32(llama.DefaultStd / math.Sqrt(ss/float64(C)+1e-30))
		for j := range row {
			row[j] *= s
		}
		b.Upload(r.LLM.Head.Row(int(tok)), row)
	}
	return nil
}
