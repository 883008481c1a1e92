// config.go: hyper-parameters of a WALS fit.

package wals

import (
	"fmt"
	"math"
	"runtime"

	"embrec/internal/memplan"
)

// Solver selects how each row's K×K system is solved.
type Solver int

const (
	// SolverCG runs CGSteps conjugate-gradient steps warm-started from the
	// row's previous factors (Takács et al. 2011), as benfred/implicit does.
	SolverCG Solver = iota
	// SolverCholesky forms the system and solves it exactly (gonum).
	SolverCholesky
)

func (s Solver) String() string {
	if s == SolverCholesky {
		return "cholesky"
	}
	return "cg"
}

// ParseSolver parses "cg" or "cholesky".
func ParseSolver(s string) (Solver, error) {
	switch s {
	case "cg":
		return SolverCG, nil
	case "cholesky", "chol":
		return SolverCholesky, nil
	}
	return 0, fmt.Errorf("unknown solver %q (want cg or cholesky)", s)
}

// Config holds the hyper-parameters of a fit.
type Config struct {
	Factors   int     // K
	Iters     int     // iterations (a user step + an item step each)
	Reg       float64 // λ, regularisation
	Alpha     float64 // confidence c = 1 + Alpha*r
	Solver    Solver
	CGSteps   int     // conjugate-gradient steps per row and step (SolverCG)
	Seed      uint64  // initialisation seed
	InitScale float64 // initial factors are uniform in [0, InitScale)
	Threads   int     // goroutines; <= 0 means GOMAXPROCS. Results do not depend on it.
}

// DefaultConfig mirrors common implicit-ALS settings: 64 factors, 15
// iterations, λ = 0.01, α = 1, CG with 3 steps.
func DefaultConfig() Config {
	return Config{Factors: 64, Iters: 15, Reg: 0.01, Alpha: 1, Solver: SolverCG, CGSteps: 3, Seed: 1, InitScale: 0.01}
}

func (c *Config) check() error {
	switch {
	case c.Factors < 1:
		return fmt.Errorf("wals: factors = %d, want >= 1", c.Factors)
	case c.Iters < 0:
		return fmt.Errorf("wals: iters = %d, want >= 0", c.Iters)
	case !(c.Reg >= 0) || math.IsInf(c.Reg, 0): // !(>=) also refuses NaN
		return fmt.Errorf("wals: reg = %g, want a finite value >= 0", c.Reg)
	case !(c.Alpha >= 0) || math.IsInf(c.Alpha, 0):
		return fmt.Errorf("wals: alpha = %g, want a finite value >= 0", c.Alpha)
	case !(c.InitScale >= 0) || math.IsInf(c.InitScale, 0):
		return fmt.Errorf("wals: init scale = %g, want a finite value >= 0", c.InitScale)
	case c.Solver == SolverCG && c.CGSteps < 1:
		return fmt.Errorf("wals: cg steps = %d, want >= 1", c.CGSteps)
	case c.Solver != SolverCG && c.Solver != SolverCholesky:
		return fmt.Errorf("wals: unknown solver %d", c.Solver)
	}
	return nil
}

func (c *Config) threads() int {
	if c.Threads > 0 {
		return c.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// MemoryNeed is the memory a fit of a users × items matrix with this
// configuration allocates: both factor tables, the block partials of the
// Gram matrix and the per-thread solver scratch.
func (c *Config) MemoryNeed(users, items int) uint64 {
	k := c.Factors
	factors := memplan.Mul(users+items, k, 4)
	gram := memplan.Mul(numBlocks(max(users, items))+2, k, k, 4)
	scratch := memplan.Mul(c.threads()+1, k, k, 8)
	return memplan.Add(factors, gram, scratch)
}
