// Benchmarks of whole WALS fits on the shared datasets (skipped when absent) and on synthetic data.

package wals_test

import (
	"embrec/internal/shared"

	"fmt"
	"testing"

	"embrec/train/data"
	"embrec/wals"
)

// trainMatrix builds the training-split matrix of a dataset (the same
// construction as train/cf, repeated here to keep wals free of train).
func trainMatrix(d *data.Dataset) *wals.Matrix {
	var e []wals.Entry
	for u := range d.Seqs {
		for _, it := range d.TrainSeq(u) {
			e = append(e, wals.Entry{Row: int32(u), Col: it})
		}
	}
	m, err := wals.NewMatrix(d.NumUsers(), d.NumItems(), e)
	if err != nil {
		panic(err)
	}
	return m
}

func benchFit(b *testing.B, name string, solver wals.Solver, threads int) {
	p, ok := shared.File("data/" + name + "/user_sequence.txt")
	if !ok {
		b.Skipf("../shared/data/%s not present", name)
	}
	d, _, err := data.Load(p, data.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	r := trainMatrix(d)
	cfg := wals.DefaultConfig()
	cfg.Solver = solver
	cfg.Threads = threads
	b.ResetTimer()
	for range b.N {
		if _, err := wals.Fit(r, cfg, wals.FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFit times a whole fit (64 factors, 15 iterations, reg 0.01,
// alpha 1, CG 3 steps) on the training split of the shared datasets.
func BenchmarkFit(b *testing.B) {
	for _, name := range []string{"LastFM", "Beauty", "ML1M"} {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/cg/threads=%d", name, th), func(b *testing.B) { benchFit(b, name, wals.SolverCG, th) })
		}
		b.Run(name+"/cholesky/threads=1", func(b *testing.B) { benchFit(b, name, wals.SolverCholesky, 1) })
	}
}

// BenchmarkFitSynth times a fit on the project's own synthetic data.
func BenchmarkFitSynth(b *testing.B) {
	c := data.DefaultSynth
	c.Users, c.Items, c.MaxLen = 5000, 2000, 60
	d, err := data.Synth(c)
	if err != nil {
		b.Fatal(err)
	}
	r := trainMatrix(d)
	cfg := wals.DefaultConfig()
	cfg.Threads = 1
	b.ResetTimer()
	for range b.N {
		if _, err := wals.Fit(r, cfg, wals.FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
