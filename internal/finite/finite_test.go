package finite

import (
	"math"
	"testing"
)

func TestIndex(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	for _, c := range []struct {
		v    []float32
		want int
	}{
		{nil, -1},
		{[]float32{0, 1, -3e38}, -1},
		{[]float32{0, nan}, 1},
		{[]float32{-inf, 0}, 0},
		{[]float32{1, 2, inf}, 2},
	} {
		if got := Index(c.v); got != c.want {
			t.Errorf("Index(%v) = %d, want %d", c.v, got, c.want)
		}
	}
	if Float64(math.NaN()) || Float64(math.Inf(-1)) || !Float64(1e308) {
		t.Error("Float64 wrong")
	}
}
