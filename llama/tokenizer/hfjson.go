// HF tokenizer.json support (placeholder until the BPE-by-rank encoder lands).

package tokenizer

import "errors"

type rankMerge struct{ rank, id int32 }
type addedToken struct{}

func parseHF(name string, data []byte) (*Tokenizer, error) {
	return nil, errors.New("HF tokenizer.json is not supported yet")
}
func (t *Tokenizer) encodeHF(dst []int32, text string, first bool) []int32 { return dst }
