// Fuzzing the model parsers: arbitrary bytes given to Parse must give a
// tokenizer or an error, never a panic, and a tokenizer that loads must
// encode and decode without panicking. Seeds: small models built in
// model_test.go, their truncations and a tiny tokenizer.json.

package tokenizer

import "testing"

func FuzzParse(f *testing.F) {
	tiny := buildModel(tinyPieces(), false, true, false)
	f.Add(tiny)
	f.Add(tiny[:len(tiny)/2])
	f.Add(buildModel(append(tinyPieces(), testPiece{"<0x41>", 0, Byte}), true, true, true))
	f.Add(buildModel([]testPiece{{"<unk>", 0, Unknown}}, false, false, false))
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte(`{"added_tokens":[{"id":0,"content":"<unk>","special":true}],"normalizer":{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]},"model":{"type":"BPE","unk_token":"<unk>","byte_fallback":true,"fuse_unk":true,"vocab":{"<unk>":0,"▁":1,"a":2,"▁a":3,"<0x41>":4},"merges":["▁ a"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for _, s := range []string{"", " a  b ", "aé<s>\xff", "<item>abc"} {
			ids := tok.Encode(s)
			_ = tok.Decode(ids)
			tok.EncodeSegments([]Segment{Text(s), Slot(), Text(s)}, true)
		}
		_ = tok.Decode([]int32{-1, 0, 1, 2, 3, 1 << 30})
	})
}
