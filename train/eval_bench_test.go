// Evaluation throughput on the tiny synthetic setup.

package train

import (
	"testing"

	"embrec/train/data"
)

func BenchmarkEvaluateTiny(b *testing.B) {
	t := &testing.T{}
	s := newTinySetup(t)
	r := s.recommender(t)
	for b.Loop() {
		if _, err := r.Evaluate(s.ts, EvalConfig{Split: data.Test, Task: "sequential", Template: "seen:0", Beams: 10, Users: 20}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
