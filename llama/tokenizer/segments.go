// Prompts made of text and placeholders: the recommendation method feeds a
// projected user or item vector at a placeholder's position instead of the
// id's text tokens, so the prompt is encoded segment by segment and the
// position of every placeholder is returned.

package tokenizer

import "strings"

// Segment is one part of a prompt: text to tokenize, or a placeholder that
// occupies exactly one position.
type Segment struct {
	Text        string // tokenized when Placeholder is false
	Placeholder bool   // one position, filled by the caller with a vector
}

// Text returns a text segment.
func Text(s string) Segment { return Segment{Text: s} }

// Slot returns a placeholder segment.
func Slot() Segment { return Segment{Placeholder: true} }

// EncodeSegments tokenizes a prompt given as segments and returns the ids
// (with BOS first when bos is true and the model has one) and, for each
// placeholder in order, its index in ids. The id stored at a placeholder is
// UNK (0 if the model has none); the caller replaces its embedding.
//
// The result is what Encode gives for the whole prompt with each placeholder
// written as a word, with that word's tokens replaced by one position:
//
//   - Text segments are encoded as fragments of one string. The dummy prefix
//     (and, for models that remove extra whitespace, leading-space removal)
//     applies only to text at the very start of the prompt; trailing-space
//     removal only to text at its end. Inside a segment, whitespace is
//     handled exactly as by Encode.
//   - A placeholder stands for a word together with the space before it, the
//     way SentencePiece attaches a space to the following word ("▁user"): one
//     trailing ' ' of the text just before a placeholder is dropped (all of
//     them for models that remove extra whitespace, where a run of spaces is
//     one space). A
//     placeholder at the start stands for the dummy-prefixed first word.
//   - Text after a placeholder keeps its own spaces: " has" encodes as
//     "▁has", "," as ",".
//   - No merge crosses a segment boundary. Pieces containing a space in the
//     middle do not occur in LLaMA vocabularies, so for a placeholder that
//     replaces a space-separated word this equals the whole-string encoding;
//     text glued to a placeholder ("item_1001,") may tokenize differently
//     from the whole string, where the word's last characters could have
//     merged with the ",".
//
// For example, with segments
//
//	Text("Beauty "), Slot(), Text(" has purchased Beauty items "), Slot(), Text(" , "), Slot(), Text(" . Response: ")
//
// the ids are those of "Beauty", then one position, then those of
// " has purchased Beauty items" (as "▁has▁purchased▁Beauty▁items"), one
// position, "▁,", one position, "▁.▁Response:▁".
func (t *Tokenizer) EncodeSegments(segs []Segment, bos bool) (ids []int32, slots []int) {
	if bos && t.bos >= 0 {
		ids = append(ids, t.bos)
	}
	fill := max(t.unk, 0)
	started := false // something (text or placeholder) precedes
	for i, s := range segs {
		if s.Placeholder {
			slots = append(slots, len(ids))
			ids = append(ids, fill)
			started = true
			continue
		}
		text := s.Text
		if i+1 < len(segs) && segs[i+1].Placeholder {
			if t.norm.removeExtra {
				text = strings.TrimRight(text, " ") // the run would collapse to one space
			} else {
				text = strings.TrimSuffix(text, " ")
			}
		}
		if text == "" {
			continue
		}
		last := true
		for _, r := range segs[i+1:] {
			if r.Placeholder || r.Text != "" {
				last = false
				break
			}
		}
		ids = t.encodeFragment(ids, text, !started, last)
		started = true
	}
	return ids, slots
}
