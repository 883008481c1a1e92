// FoldIn against the dense closed-form solve of a row, with repeated
// columns adding up and bad input refused.

package wals

import "testing"

func TestFoldInMatchesDenseRowSolve(t *testing.T) {
	const users, items, k = 12, 19, 5
	r := randomMatrix(users, items, 0.3, 4)
	cfg := Config{Factors: k, Iters: 1, Reg: 0.2, Alpha: 3, Solver: SolverCholesky, Seed: 8, InitScale: 0.7}
	m := Init(users, items, cfg)
	want := denseSolve(t, r, m.Y, k, cfg.Reg, cfg.Alpha)
	f, err := NewFoldIn(m.Y, k, cfg.Reg, cfg.Alpha)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, k)
	for u := 0; u < users; u++ {
		cols, vals := r.Row(u)
		// Spread each count over repeated single observations: the fold-in
		// must add them up as the matrix does.
		var rc []int32
		var rv []float32
		for j, c := range cols {
			for n := 0; n < int(vals[j]); n++ {
				rc, rv = append(rc, c), append(rv, 1)
			}
		}
		if err := f.Solve(x, rc, rv); err != nil {
			t.Fatal(err)
		}
		if e := maxRelErr(x, want[u*k:u*k+k]); e > 2e-5 {
			t.Fatalf("user %d: max relative error %.3g against the dense solve", u, e)
		}
	}
	if err := f.Solve(x, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, v := range x {
		if v != 0 {
			t.Fatalf("empty history folded in to %v, want zeros", x)
		}
	}
	if err := f.Solve(x, []int32{items}, []float32{1}); err == nil {
		t.Fatal("a column past the factor rows was accepted")
	}
	if _, err := NewFoldIn(m.Y, k, 0, 1); err == nil {
		t.Fatal("reg 0 was accepted")
	}
	if _, err := NewFoldIn(m.Y[:k+1], k, 1, 1); err == nil {
		t.Fatal("factors that are not whole rows were accepted")
	}
}
