// WALS against a dense float64 closed-form solve, objective checks, determinism across thread counts.

package wals

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomMatrix returns a rows × cols matrix with about density*rows*cols
// entries of counts 1..3, every row and column non-empty unless allowEmpty.
func randomMatrix(rows, cols int, density float64, seed uint64) *Matrix {
	r := rand.New(rand.NewPCG(seed, 1))
	var e []Entry
	for u := 0; u < rows; u++ {
		for i := 0; i < cols; i++ {
			if r.Float64() < density {
				for n := 1 + r.IntN(3); n > 0; n-- {
					e = append(e, Entry{int32(u), int32(i)})
				}
			}
		}
		e = append(e, Entry{int32(u), int32(r.IntN(cols))})
	}
	m, err := NewMatrix(rows, cols, e)
	if err != nil {
		panic(err)
	}
	return m
}

// denseSolve solves every row of the side described by r given other with
// a dense float64 closed form over all cells, without the YᵀY trick:
// x_u = (Σ_i c_ui y_i y_iᵀ + λI)⁻¹ Σ_i c_ui p_ui y_i.
func denseSolve(t *testing.T, r *Matrix, other []float32, k int, reg, alpha float64) []float64 {
	out := make([]float64, r.Rows*k)
	for u := 0; u < r.Rows; u++ {
		c := make([]float64, r.Cols)
		p := make([]float64, r.Cols)
		for i := range c {
			c[i] = 1
		}
		cols, vals := r.Row(u)
		for j, i := range cols {
			c[i] = 1 + alpha*float64(vals[j])
			p[i] = 1
		}
		a := mat.NewDense(k, k, nil)
		b := mat.NewVecDense(k, nil)
		for i := 0; i < r.Cols; i++ {
			for x := 0; x < k; x++ {
				yx := float64(other[i*k+x])
				b.SetVec(x, b.AtVec(x)+c[i]*p[i]*yx)
				for z := 0; z < k; z++ {
					a.Set(x, z, a.At(x, z)+c[i]*yx*float64(other[i*k+z]))
				}
			}
		}
		for x := 0; x < k; x++ {
			a.Set(x, x, a.At(x, x)+reg)
		}
		var sol mat.VecDense
		if err := sol.SolveVec(a, b); err != nil {
			t.Fatal(err)
		}
		copy(out[u*k:], sol.RawVector().Data)
	}
	return out
}

func maxRelErr(got []float32, want []float64) float64 {
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	e := 0.0
	for i := range got {
		e = max(e, math.Abs(float64(got[i])-want[i]))
	}
	return e / scale
}

func TestSolveSideMatchesDense(t *testing.T) {
	const users, items, k = 23, 17, 6
	r := randomMatrix(users, items, 0.25, 3)
	for _, c := range []struct {
		name   string
		solver Solver
		steps  int
		tol    float64
	}{
		{"cholesky", SolverCholesky, 0, 2e-5},
		{"cg-converged", SolverCG, 4 * k, 1e-3},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Factors: k, Iters: 1, Reg: 0.1, Alpha: 2, Solver: c.solver, CGSteps: c.steps, Seed: 5, InitScale: 0.5, Threads: 2}
			m := Init(users, items, cfg)
			want := denseSolve(t, r, m.Y, k, cfg.Reg, cfg.Alpha)
			if err := SolveSide(m.X, r, m.Y, cfg); err != nil {
				t.Fatal(err)
			}
			if e := maxRelErr(m.X, want); e > c.tol {
				t.Fatalf("user step: max relative error %.3g > %.3g", e, c.tol)
			}
			// Item step against the dense solve given the new user factors.
			rt := r.Transpose()
			want = denseSolve(t, rt, m.X, k, cfg.Reg, cfg.Alpha)
			if err := SolveSide(m.Y, rt, m.X, cfg); err != nil {
				t.Fatal(err)
			}
			if e := maxRelErr(m.Y, want); e > c.tol {
				t.Fatalf("item step: max relative error %.3g > %.3g", e, c.tol)
			}
		})
	}
}

// TestFitEndsOnExactItemStep checks a whole Cholesky fit: the final item
// factors are the dense closed-form solution given the final user factors.
func TestFitEndsOnExactItemStep(t *testing.T) {
	r := randomMatrix(40, 25, 0.2, 9)
	cfg := Config{Factors: 5, Iters: 4, Reg: 0.05, Alpha: 3, Solver: SolverCholesky, Seed: 2, InitScale: 0.1}
	m, err := Fit(r, cfg, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := denseSolve(t, r.Transpose(), m.X, cfg.Factors, cfg.Reg, cfg.Alpha)
	if e := maxRelErr(m.Y, want); e > 2e-5 {
		t.Fatalf("max relative error %.3g", e)
	}
}

// denseObjective evaluates L over every cell.
func denseObjective(r *Matrix, m *Model, cfg Config) float64 {
	k := m.K
	obs := map[[2]int]float64{}
	for u := 0; u < r.Rows; u++ {
		cols, vals := r.Row(u)
		for j, i := range cols {
			obs[[2]int{u, int(i)}] = float64(vals[j])
		}
	}
	l := 0.0
	for u := 0; u < m.Users; u++ {
		for i := 0; i < m.Items; i++ {
			s := 0.0
			for z := 0; z < k; z++ {
				s += float64(m.X[u*k+z]) * float64(m.Y[i*k+z])
			}
			c, p := 1.0, 0.0
			if v, ok := obs[[2]int{u, i}]; ok {
				c, p = 1+cfg.Alpha*v, 1
			}
			l += c * (p - s) * (p - s)
		}
	}
	for _, v := range m.X {
		l += cfg.Reg * float64(v) * float64(v)
	}
	for _, v := range m.Y {
		l += cfg.Reg * float64(v) * float64(v)
	}
	return l
}

func TestObjectiveMatchesDense(t *testing.T) {
	r := randomMatrix(30, 20, 0.2, 4)
	cfg := Config{Factors: 4, Iters: 2, Reg: 0.3, Alpha: 5, Solver: SolverCG, CGSteps: 3, Seed: 1, InitScale: 0.3}
	m, err := Fit(r, cfg, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, want := Objective(r, m, cfg), denseObjective(r, m, cfg)
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Fatalf("objective %.9g, dense %.9g", got, want)
	}
}

func TestObjectiveDecreasesEveryIteration(t *testing.T) {
	r := randomMatrix(300, 120, 0.05, 7)
	for _, s := range []Solver{SolverCG, SolverCholesky} {
		cfg := Config{Factors: 16, Iters: 12, Reg: 0.01, Alpha: 4, Solver: s, CGSteps: 3, Seed: 3, InitScale: 0.01}
		prev := math.Inf(1)
		_, err := Fit(r, cfg, FitOptions{Loss: true, Progress: func(_ *Model, st IterStats) error {
			t.Logf("%s iter %d loss %.6f", s, st.Iter, st.Loss)
			if !(st.Loss <= prev*(1+1e-6)) {
				t.Errorf("%s: loss went up at iteration %d: %.9g -> %.9g", s, st.Iter, prev, st.Loss)
			}
			prev = st.Loss
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestDeterministicAcrossThreads(t *testing.T) {
	r := randomMatrix(700, 300, 0.02, 11) // several blocks of rows
	var ref *Model
	for _, th := range []int{1, 2, 3, 8} {
		for _, s := range []Solver{SolverCG, SolverCholesky} {
			cfg := Config{Factors: 8, Iters: 3, Reg: 0.01, Alpha: 1, Solver: s, CGSteps: 3, Seed: 42, InitScale: 0.01, Threads: th}
			m, err := Fit(r, cfg, FitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if s == SolverCholesky {
				continue
			}
			if ref == nil {
				ref = m
				continue
			}
			for i := range m.X {
				if m.X[i] != ref.X[i] {
					t.Fatalf("threads %d: X[%d] differs", th, i)
				}
			}
			for i := range m.Y {
				if m.Y[i] != ref.Y[i] {
					t.Fatalf("threads %d: Y[%d] differs", th, i)
				}
			}
		}
	}
}

func TestEmptyRowsAreZero(t *testing.T) {
	// Item 3 and user 2 have no entries.
	r, _ := NewMatrix(3, 4, []Entry{{0, 0}, {0, 1}, {1, 2}, {1, 0}})
	for _, s := range []Solver{SolverCG, SolverCholesky} {
		m, err := Fit(r, Config{Factors: 3, Iters: 3, Reg: 0.1, Alpha: 1, Solver: s, CGSteps: 3, Seed: 1, InitScale: 0.1}, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range m.ItemVec(3) {
			if v != 0 {
				t.Fatalf("%s: empty item has factors %v", s, m.ItemVec(3))
			}
		}
		for _, v := range m.UserVec(2) {
			if v != 0 {
				t.Fatalf("%s: empty user has factors %v", s, m.UserVec(2))
			}
		}
	}
}

func TestNewMatrix(t *testing.T) {
	m, err := NewMatrix(2, 3, []Entry{{1, 2}, {0, 1}, {1, 0}, {1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	cols, vals := m.Row(1)
	if len(cols) != 2 || cols[0] != 0 || cols[1] != 2 || vals[1] != 2 {
		t.Fatalf("row 1: %v %v", cols, vals)
	}
	tr := m.Transpose()
	cols, vals = tr.Row(2)
	if tr.Rows != 3 || len(cols) != 1 || cols[0] != 1 || vals[0] != 2 {
		t.Fatalf("transpose row 2: %v %v", cols, vals)
	}
	if _, err := NewMatrix(2, 2, []Entry{{2, 0}}); err == nil {
		t.Fatal("want range error")
	}
}

func TestConfigErrors(t *testing.T) {
	r, _ := NewMatrix(1, 1, []Entry{{0, 0}})
	for _, c := range []Config{{Factors: 0}, {Factors: 2, Reg: -1}, {Factors: 2, Solver: SolverCG, CGSteps: 0}} {
		if _, err := Fit(r, c, FitOptions{}); err == nil {
			t.Errorf("%+v: want error", c)
		}
	}
}
