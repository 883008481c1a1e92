// Tests of HR/NDCG, rank and top-k against hand-computed cases.

package metrics

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestHRNDCGHandComputed(t *testing.T) {
	cases := []struct {
		rank, k  int
		hr, ndcg float64
	}{
		{1, 5, 1, 1},
		{2, 5, 1, 1 / math.Log2(3)}, // 0.6309...
		{3, 5, 1, 0.5},              // 1/log2(4)
		{5, 5, 1, 1 / math.Log2(6)},
		{6, 5, 0, 0},
		{6, 10, 1, 1 / math.Log2(7)},
		{10, 10, 1, 1 / math.Log2(11)},
		{11, 10, 0, 0},
		{0, 10, 0, 0},
	}
	for _, c := range cases {
		if HR(c.rank, c.k) != c.hr || !near(NDCG(c.rank, c.k), c.ndcg) {
			t.Errorf("rank %d k %d: HR %g NDCG %g, want %g %g", c.rank, c.k, HR(c.rank, c.k), NDCG(c.rank, c.k), c.hr, c.ndcg)
		}
	}
}

func TestMeanHandComputed(t *testing.T) {
	// Four users with ranks 1, 3, 7, 0 (excluded).
	m := NewMean(DefaultKs)
	for _, r := range []int{1, 3, 7, 0} {
		m.Add(r)
	}
	hr5, nd5 := m.At(5)
	hr10, nd10 := m.At(10)
	if !near(hr5, 2.0/4) || !near(nd5, (1+0.5)/4) || !near(hr10, 3.0/4) || !near(nd10, (1+0.5+1.0/3)/4) {
		t.Fatalf("HR@5 %g NDCG@5 %g HR@10 %g NDCG@10 %g", hr5, nd5, hr10, nd10)
	}
	if m.Header() != "HR@5     NDCG@5   HR@10    NDCG@10" || m.Row() != "0.5000   0.3750   0.7500   0.4583" {
		t.Fatalf("%q / %q", m.Header(), m.Row())
	}
}

func TestRankAndTopK(t *testing.T) {
	//              0    1    2    3    4    5
	s := []float32{0.5, 0.9, 0.5, 0.1, 0.7, float32(math.NaN())}
	// order: 1 (0.9), 4 (0.7), 0 (0.5), 2 (0.5, tie -> higher index later), 3, 5 (NaN)
	for item, want := range []int{3, 1, 4, 5, 2, 6} {
		if r := Rank(s, int32(item), nil); r != want {
			t.Errorf("rank of %d = %d, want %d", item, r, want)
		}
	}
	top := TopK(nil, s, 4, nil)
	if len(top) != 4 || top[0] != 1 || top[1] != 4 || top[2] != 0 || top[3] != 2 {
		t.Fatalf("top %v", top)
	}
	ex := Set([]int32{1, 0})
	if r := Rank(s, 2, ex); r != 2 {
		t.Errorf("rank of 2 excluding 0,1 = %d, want 2", r)
	}
	if r := Rank(s, 1, ex); r != 0 {
		t.Errorf("excluded target rank %d, want 0", r)
	}
	top = TopK(top[:0], s, 10, ex)
	if len(top) != 4 || top[0] != 4 || top[1] != 2 || top[2] != 3 || top[3] != 5 {
		t.Fatalf("top excluding %v", top)
	}
	// Rank agrees with the position in TopK for every item.
	all := TopK(nil, s, len(s), nil)
	for pos, it := range all {
		if Rank(s, it, nil) != pos+1 {
			t.Errorf("item %d at position %d but rank %d", it, pos+1, Rank(s, it, nil))
		}
	}
	big := make([]int32, 40)
	for i := range big {
		big[i] = int32(i)
	}
	if ex := Set(big); !ex(39) || ex(40) {
		t.Fatal("map-backed Set")
	}
}

func TestBootstrapHR(t *testing.T) {
	// 1000 users, 100 hits at rank 1: HR@10 = 0.1, binomial standard
	// error sqrt(0.1*0.9/1000) = 0.0095, so the 95% interval is about
	// 0.1 +- 0.019.
	ranks := make([]int, 1000)
	for i := 0; i < 100; i++ {
		ranks[i*10] = 1
	}
	lo, hi := BootstrapHR(ranks, 10, 2000, 1)
	if !(lo < 0.1 && hi > 0.1) || hi-lo < 0.03 || hi-lo > 0.045 {
		t.Fatalf("interval [%v, %v] around 0.1, want a width near 0.037", lo, hi)
	}
	if lo, hi := BootstrapHR(make([]int, 50), 10, 100, 1); lo != 0 || hi != 0 {
		t.Fatalf("no hits: [%v, %v], want [0, 0]", lo, hi)
	}
}
