// Encoding throughput on a long OpenP5-style prompt (50 history items), for
// each reference tokenizer. Reports tokens/s and allocations.

package tokenizer

import (
	"fmt"
	"strings"
	"testing"
)

func longPrompt() string {
	var b strings.Builder
	b.WriteString("Considering Beauty user_12345 has interacted with Beauty items ")
	for i := range 50 {
		if i > 0 {
			b.WriteString(" , ")
		}
		fmt.Fprintf(&b, "item_%d", 1001+i*37)
	}
	b.WriteString(" . What is the next recommendation for the user ? Response: ")
	return b.String()
}

func BenchmarkEncode(b *testing.B) {
	text := longPrompt()
	for _, rel := range []string{"stories260K/tok512.model", "llama2-tokenizer/tokenizer.model", "openllama-3b-config/tokenizer.json"} {
		b.Run(rel[:strings.IndexByte(rel, '/')], func(b *testing.B) {
			tok := sharedModel(b, rel)
			n := len(tok.Encode(text))
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				tok.Encode(text)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			b.ReportMetric(float64(n), "tokens/op")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	tok := sharedModel(b, "llama2-tokenizer/tokenizer.model")
	ids := tok.Encode(longPrompt())
	b.ReportAllocs()
	for b.Loop() {
		tok.Decode(ids)
	}
	b.ReportMetric(float64(len(ids))*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}
