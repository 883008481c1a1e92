package llama

import (
	"math"
	"testing"

	"embrec/tensor"
)

// TestNewFrozenRandom: matrices have the asked standard deviation and dtype,
// norms are ones, the draw is a pure function of the seed, and the model
// runs.
func TestNewFrozenRandom(t *testing.T) {
	c := Config{Hidden: 32, Intermediate: 64, Layers: 2, Heads: 4, KVHeads: 2, HeadSize: 8,
		Vocab: 50, MaxPos: 16, NormEps: 1e-6, RopeTheta: 10000}
	be := tensor.NewCPU(1)
	m1, err := NewFrozenRandom(c, be, tensor.F32, 0.02, 3)
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := NewFrozenRandom(c, be, tensor.F32, 0.02, 3)
	m3, _ := NewFrozenRandom(c, be, tensor.F32, 0.02, 4)
	q1, q2, q3 := tensor.Float32s(m1.Layers[1].Q), tensor.Float32s(m2.Layers[1].Q), tensor.Float32s(m3.Layers[1].Q)
	var ss float64
	same3 := 0
	for i := range q1 {
		if q1[i] != q2[i] {
			t.Fatalf("same seed, Q[%d] %v vs %v", i, q1[i], q2[i])
		}
		if q1[i] == q3[i] {
			same3++
		}
		ss += float64(q1[i]) * float64(q1[i])
	}
	if same3 > 2 {
		t.Errorf("seeds 3 and 4 agree on %d of %d values", same3, len(q1))
	}
	if sd := math.Sqrt(ss / float64(len(q1))); math.Abs(sd-0.02) > 0.002 {
		t.Errorf("standard deviation %v, want 0.02", sd)
	}
	if q, k := tensor.Float32s(m1.Layers[0].Q), tensor.Float32s(m1.Layers[0].K); q[0] == k[0] && q[1] == k[1] {
		t.Errorf("Q and K drew the same values")
	}
	for _, v := range tensor.Float32s(m1.Layers[0].AttnNorm) {
		if v != 1 {
			t.Fatalf("norm weight %v, want 1", v)
		}
	}
	if _, err := NewFrozenRandom(c, be, tensor.DType(99), 0.02, 3); err == nil {
		t.Errorf("dtype I32 accepted")
	}
	r := m1.NewRun(1, 4, RunOptions{})
	r.EmbedIDs([]int32{1, 2, 3, 4})
	r.Forward(nil)
	if loss, _ := r.Loss([]int32{2, 3, 4, -1}); math.IsNaN(loss) || math.Abs(loss-math.Log(50)) > 0.5 {
		t.Errorf("loss %v, want about ln 50", loss)
	}
}

// TestFreezeBF16 converts the matrices (norms stay F32), keeps ties, drops
// Params, and rounds each value as tensor/half does.
func TestFreezeBF16(t *testing.T) {
	c := Config{Hidden: 16, Intermediate: 32, Layers: 1, Heads: 2, KVHeads: 2, HeadSize: 8,
		Vocab: 20, MaxPos: 8, NormEps: 1e-6, RopeTheta: 10000, TiedEmbed: true}
	be := tensor.NewCPU(1)
	m, err := NewRandom(c, be, 0.1, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]float32(nil), tensor.Float32s(m.Layers[0].Up)...)
	if err := m.Freeze(tensor.BF16); err != nil {
		t.Fatal(err)
	}
	if m.Params != nil || m.Layers[0].Up.DType() != tensor.BF16 || m.Layers[0].MLPNorm.DType() != tensor.F32 ||
		m.Head != m.Embed || m.Embed.DType() != tensor.BF16 {
		t.Fatalf("after Freeze: Params %v, Up %v, MLPNorm %v, tied %v", m.Params != nil, m.Layers[0].Up.DType(),
			m.Layers[0].MLPNorm.DType(), m.Head == m.Embed)
	}
	got := make([]float32, len(want))
	be.Download(got, m.Layers[0].Up)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > math.Abs(float64(want[i]))/256 {
			t.Fatalf("Up[%d] = %v after BF16, was %v", i, got[i], want[i])
		}
	}
	if err := m.Freeze(tensor.DType(99)); err == nil {
		t.Errorf("Freeze(I32) accepted")
	}
}
