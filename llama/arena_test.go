package llama

import (
	"testing"

	"embrec/tensor"
)

// TestArenaChunks: an arena split over many allocations (as a 3B model's
// is) computes exactly what one allocation does.
func TestArenaChunks(t *testing.T) {
	c := Config{Hidden: 32, Intermediate: 64, Layers: 2, Heads: 4, KVHeads: 2, HeadSize: 8,
		Vocab: 50, MaxPos: 16, NormEps: 1e-6, RopeTheta: 10000}
	be := tensor.NewCPU(1)
	m, err := NewRandom(c, be, 0.05, 1)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int32{1, 2, 3, 4, 5, 6, 7, 8}
	tgt := []int32{2, 3, 4, -1, 6, 7, 8, 9}
	step := func() (float64, []float32, int) {
		g, gp := m.NewGrads()
		r := m.NewRun(2, 4, RunOptions{Grads: g})
		r.EmbedIDs(ids)
		r.Forward(nil)
		loss, _ := r.Loss(tgt)
		r.BackwardLoss(1)
		r.EmbedBackward(ids)
		return loss, append([]float32(nil), tensor.Float32s(gp.Flat)...), len(r.arenaFlat)
	}
	l1, g1, n1 := step()
	old := arenaChunk
	arenaChunk = 300 // smaller than some single buffers: those get their own
	defer func() { arenaChunk = old }()
	l2, g2, n2 := step()
	if n1 != 1 || n2 < 10 {
		t.Fatalf("%d and %d allocations", n1, n2)
	}
	if l1 != l2 {
		t.Errorf("loss %v with one allocation, %v with %d", l1, l2, n2)
	}
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("gradient %d: %v vs %v", i, g1[i], g2[i])
		}
	}
}
