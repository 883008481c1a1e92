// fit.go: the alternating loop: initialise, then per iteration solve all
// users given the items and all items given the users.

package wals

import (
	"fmt"
	"math/rand/v2"
	"time"

	"embrec/internal/finite"
	"embrec/internal/memplan"
)

// Model holds fitted factors.
type Model struct {
	K     int
	Users int
	Items int
	X     []float32 // (Users, K) user factors
	Y     []float32 // (Items, K) item factors
	sc    *scoring
}

// UserVec returns user u's factors (aliases X).
func (m *Model) UserVec(u int) []float32 { return m.X[u*m.K : (u+1)*m.K] }

// ItemVec returns item i's factors (aliases Y).
func (m *Model) ItemVec(i int) []float32 { return m.Y[i*m.K : (i+1)*m.K] }

// IterStats reports one finished iteration.
type IterStats struct {
	Iter     int           // 1-based
	UserTime time.Duration // user step
	ItemTime time.Duration // item step
	Loss     float64       // objective L after the iteration (NaN unless FitOptions.Loss)
}

// FitOptions control reporting during Fit.
type FitOptions struct {
	Loss bool // compute the objective after every iteration (costs about one CG step)
	// Progress, if set, is called after every iteration; a non-nil error
	// stops the fit and is returned.
	Progress func(m *Model, s IterStats) error
	// MemLimit is the memory the fit may plan for (bytes; 0: what the
	// machine has available).
	MemLimit uint64
}

// Init returns a model with seeded uniform [0, InitScale) factors.
func Init(users, items int, cfg Config) *Model {
	m := &Model{K: cfg.Factors, Users: users, Items: items,
		X: make([]float32, users*cfg.Factors), Y: make([]float32, items*cfg.Factors), sc: &scoring{}}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5851f42d4c957f2d))
	for i := range m.X {
		m.X[i] = float32(r.Float64() * cfg.InitScale)
	}
	for i := range m.Y {
		m.Y[i] = float32(r.Float64() * cfg.InitScale)
	}
	return m
}

// Fit learns factors for the users × items matrix r.
func Fit(r *Matrix, cfg Config, opt FitOptions) (*Model, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := memplan.Check(fmt.Sprintf("wals: %d factors for %d users and %d items", cfg.Factors, r.Rows, r.Cols), cfg.MemoryNeed(r.Rows, r.Cols), opt.MemLimit); err != nil {
		return nil, err
	}
	m := Init(r.Rows, r.Cols, cfg)
	rt := r.Transpose()
	// Rows and columns without entries start (and stay) at zero, so that
	// they do not enter YᵀY of the first step: an item that occurs only in
	// held-out data has no influence at all on the fit.
	zeroEmpty(m.X, r, m.K)
	zeroEmpty(m.Y, rt, m.K)
	for it := 1; it <= cfg.Iters; it++ {
		t0 := time.Now()
		if err := SolveSide(m.X, r, m.Y, cfg); err != nil {
			return nil, err
		}
		t1 := time.Now()
		if err := SolveSide(m.Y, rt, m.X, cfg); err != nil {
			return nil, err
		}
		if err := checkFinite(m, it, cfg); err != nil {
			return nil, err
		}
		st := IterStats{Iter: it, UserTime: t1.Sub(t0), ItemTime: time.Since(t1), Loss: nan()}
		m.FactorsChanged()
		if opt.Loss {
			st.Loss = Objective(r, m, cfg)
		}
		if opt.Progress != nil {
			if err := opt.Progress(m, st); err != nil {
				return m, err
			}
		}
	}
	return m, nil
}

// SolveSide updates every row of dst (rows × K) given the other side's
// factors (cols × K): the user step is SolveSide(X, R, Y, cfg), the item
// step SolveSide(Y, Rᵀ, X, cfg). Rows without observed entries become zero.
func SolveSide(dst []float32, r *Matrix, other []float32, cfg Config) error {
	k := cfg.Factors
	if len(dst) != r.Rows*k || len(other) != r.Cols*k {
		panic(fmt.Sprintf("wals: SolveSide shapes: dst %d, other %d, matrix %d × %d, K %d", len(dst), len(other), r.Rows, r.Cols, k))
	}
	threads := cfg.threads()
	g := gram(other, k, cfg.Reg, threads)
	errs := make([]error, numBlocks(r.Rows))
	switch cfg.Solver {
	case SolverCG:
		scr := make([]*cgScratch, threads)
		for w := range scr {
			scr[w] = newCGScratch(k)
		}
		alpha := float32(cfg.Alpha)
		solveRows(r, dst, k, threads, errs, func(w int, x []float32, cols []int32, vals []float32) error {
			cgRow(x, g, other, cols, vals, alpha, cfg.CGSteps, scr[w])
			return nil
		})
	case SolverCholesky:
		g64 := make([]float64, k*k)
		for i, v := range g {
			g64[i] = float64(v)
		}
		scr := make([]*cholScratch, threads)
		for w := range scr {
			scr[w] = newCholScratch(k)
		}
		solveRows(r, dst, k, threads, errs, func(w int, x []float32, cols []int32, vals []float32) error {
			return cholRow(x, g64, other, cols, vals, cfg.Alpha, scr[w])
		})
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func zeroEmpty(f []float32, r *Matrix, k int) {
	for u := 0; u < r.Rows; u++ {
		if r.Indptr[u] == r.Indptr[u+1] {
			clear(f[u*k : u*k+k])
		}
	}
}

// solveRows runs solve on the factor row x (K) of every row u of r with
// observations, over the parallel blocks of forBlocks (w is the worker, for
// its scratch), and zeroes the rows without any. The first error of each
// block is kept in errs[block], naming its row.
func solveRows(r *Matrix, dst []float32, k, threads int, errs []error,
	solve func(w int, x []float32, cols []int32, vals []float32) error) {
	forBlocks(r.Rows, threads, func(w, b, lo, hi int) {
		for u := lo; u < hi; u++ {
			x := dst[u*k : u*k+k]
			cols, vals := r.Row(u)
			if len(cols) == 0 {
				clear(x)
				continue
			}
			if err := solve(w, x, cols, vals); err != nil && errs[b] == nil {
				errs[b] = fmt.Errorf("row %d: %w", u, err)
			}
		}
	})
}

// checkFinite refuses factors that became NaN or ±Inf during iteration it.
func checkFinite(m *Model, it int, cfg Config) error {
	for _, t := range []struct {
		name string
		v    []float32
	}{{"user_factors", m.X}, {"item_factors", m.Y}} {
		if i := finite.Index(t.v); i >= 0 {
			return fmt.Errorf("wals: iteration %d: %s row %d is not finite (%v); reg %g, alpha %g", it, t.name, i/m.K, t.v[i], cfg.Reg, cfg.Alpha)
		}
	}
	return nil
}
