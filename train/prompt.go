// Prompts: an OpenP5 template rendered for one sample and tokenized, with
// the user id and each history item either written as text (the text-only
// baselines) or left as one placeholder position each (the method), where
// the projected WALS vectors are injected.

package train

import (
	"fmt"
	"strings"
	"sync"

	"embrec/llama/tokenizer"
	"embrec/train/data"
)

// Mode says how ids appear in a prompt.
type Mode int

const (
	// TextIDs writes "user_12" and "item_1001" as text (OpenP5's Llama-S/R).
	TextIDs Mode = iota
	// Embeddings puts one position for the user and one per history item;
	// their input embeddings are f_u(U[user]) and f_i(V[item]).
	Embeddings
)

func (m Mode) String() string {
	if m == Embeddings {
		return "embeddings"
	}
	return "text"
}

// ResponseSuffix ends every prompt, as OpenP5's evaluation appends
// " Response: ". The final space belongs to the target's first piece
// ("▁Beauty"), so the prompt's tokens end at the colon and the target is
// encoded with SentencePiece's dummy prefix: the concatenation tokenizes
// exactly like the whole string.
const ResponseSuffix = " Response:"

// Prompt is one tokenized example.
type Prompt struct {
	Input     []int32 // BOS, prompt tokens, ResponseSuffix tokens
	Target    []int32 // target tokens then EOS (empty when unknown)
	UserSlots []int   // positions in Input that carry the user vector
	ItemSlots []int   // positions in Input that carry history item vectors
	User      int32   // user index (row of U)
	Items     []int32 // item index (row of V) of each ItemSlots entry
	// UserVec, when set, replaces the user's factor row at UserSlots
	// (K, standardised): the fold-in of the history (Encoder.Users).
	UserVec []float32
	// Aux are extra next-item targets inside the input (Encoder.
	// HistoryTargets): the position of history slot j predicts the item
	// after it, as token Aux[j][1] at input position Aux[j][0].
	Aux [][2]int32
}

// Encoder renders and tokenizes samples.
type Encoder struct {
	Tok  *tokenizer.Tokenizer
	Data *data.Dataset
	Ix   *data.Indexing
	Mode Mode
	// Users, when set, folds each prompt's user vector in from the items
	// before its target (Sample.Prefix, or History when that is nil).
	Users *UserFolder
	// HistoryTargets makes every history slot of a training prompt
	// predict the next item (the one after it in the history, the last
	// slot the target), as SASRec trains every position: one prompt then
	// carries MaxHistory targets. It needs one token per item. The user
	// vector is then folded in from the items before the shown history
	// only, so that it holds none of these targets.
	HistoryTargets bool
	// MaxHistory is the number of most recent items a prompt shows (0:
	// data.DefaultMaxHistory, OpenP5's max_his); training, evaluation and
	// serving all read it through History.
	MaxHistory int

	tokMu   sync.Mutex
	itemTok map[[2]int32]int32 // (template line, item) -> the item's one output token (HistoryTargets)
}

// History is the number of most recent items a prompt shows.
func (e *Encoder) History() int {
	if e.MaxHistory <= 0 {
		return data.DefaultMaxHistory
	}
	return e.MaxHistory
}

// TrainSamples returns the training samples for prompts of at most
// History items: every target, or with HistoryTargets one sample per
// window of History targets.
func (e *Encoder) TrainSamples() []data.Sample {
	opt := data.SampleOptions{MaxHistory: e.History()}
	if e.HistoryTargets {
		opt.Stride = opt.MaxHistory
	}
	return e.Data.Samples(data.Train, opt)
}

// Samples returns split's samples (validation or test) with the history
// a prompt of this encoder shows.
func (e *Encoder) Samples(split data.Split) []data.Sample {
	return e.Data.Samples(split, data.SampleOptions{MaxHistory: e.History()})
}

const (
	userMark = "\x01"
	itemMark = "\x02"
)

// Encode renders sample s with template tpl. withTarget adds the target
// tokens and EOS.
func (e *Encoder) Encode(tpl data.Template, s data.Sample, withTarget bool) (Prompt, error) {
	f := e.Data.PromptFields(e.Ix, s)
	p := Prompt{User: int32(s.User)}
	if e.Mode == Embeddings {
		f.UserID = userMark
		marks := make([]string, len(s.History))
		for i := range marks {
			marks[i] = itemMark
		}
		f.History = strings.Join(marks, data.HistorySep)
		p.Items = append([]int32(nil), s.History...)
		if e.Users != nil {
			pre := s.Prefix
			if pre == nil {
				pre = s.History
			}
			if e.HistoryTargets {
				pre = pre[:max(len(pre)-len(s.History), 0)]
			}
			v, err := e.Users.Vec(pre)
			if err != nil {
				return Prompt{}, fmt.Errorf("user %d: %w", s.User, err)
			}
			p.UserVec = v
		}
	}
	input, output := tpl.Render(f)
	input += ResponseSuffix
	if e.Mode == TextIDs {
		p.Input = e.Tok.EncodeBOS(input)
	} else {
		// "user_<id>" is one concept: the vector replaces the whole word.
		input = strings.ReplaceAll(input, "user_"+userMark, userMark)
		var segs []tokenizer.Segment
		var kinds []byte
		rest := input
		for {
			i := strings.IndexAny(rest, userMark+itemMark)
			if i < 0 {
				segs = append(segs, tokenizer.Text(rest))
				break
			}
			if i > 0 {
				segs = append(segs, tokenizer.Text(rest[:i]))
			}
			segs = append(segs, tokenizer.Slot())
			kinds = append(kinds, rest[i])
			rest = rest[i+1:]
		}
		ids, slots := e.Tok.EncodeSegments(segs, true)
		if len(slots) != len(kinds) {
			return Prompt{}, fmt.Errorf("train: template line %d: %d placeholders encoded, %d expected", tpl.Line, len(slots), len(kinds))
		}
		p.Input = ids
		for i, k := range kinds {
			if k == userMark[0] {
				p.UserSlots = append(p.UserSlots, slots[i])
			} else {
				p.ItemSlots = append(p.ItemSlots, slots[i])
			}
		}
		if len(p.ItemSlots) != len(p.Items) {
			return Prompt{}, fmt.Errorf("train: template line %d: %d history slots for %d items", tpl.Line, len(p.ItemSlots), len(p.Items))
		}
	}
	if withTarget {
		p.Target = e.TargetTokens(output)
		if e.HistoryTargets && len(p.ItemSlots) > 0 {
			if len(p.Target) != 3 {
				return Prompt{}, fmt.Errorf("train: history targets need one token per item (--item-tokens whole); the target is %d tokens", len(p.Target)-2)
			}
			for j, at := range p.ItemSlots {
				next := s.Target
				if j+1 < len(s.History) {
					next = s.History[j+1]
				}
				p.Aux = append(p.Aux, [2]int32{int32(at), e.itemToken(tpl, next)})
			}
		}
	}
	return p, nil
}

// itemToken returns item it's one output token under tpl (the vocabulary
// has one piece per item: Encode checked the target), tokenizing each
// (template, item) once.
func (e *Encoder) itemToken(tpl data.Template, it int32) int32 {
	e.tokMu.Lock()
	defer e.tokMu.Unlock()
	k := [2]int32{int32(tpl.Line), it}
	tok, ok := e.itemTok[k]
	if !ok {
		if e.itemTok == nil {
			e.itemTok = map[[2]int32]int32{}
		}
		tok = e.ItemSequence(tpl, it)[1]
		e.itemTok[k] = tok
	}
	return tok
}

// TargetTokens encodes a rendered output ("Beauty item_1234") and EOS.
func (e *Encoder) TargetTokens(output string) []int32 {
	t := e.Tok.Encode(output)
	if eos := e.Tok.EOS(); eos >= 0 {
		t = append(t, eos)
	}
	return t
}

// ItemSequence is the token sequence generation must produce for item
// index it under template tpl (what the trie is built from).
func (e *Encoder) ItemSequence(tpl data.Template, it int32) []int32 {
	_, out := tpl.Render(data.Fields{Dataset: e.Data.Name, Target: data.ItemToken(e.Ix.ItemID[it])})
	return e.TargetTokens(out)
}
