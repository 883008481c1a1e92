// The wals command: fit user and item factors with weighted ALS on the
// training split of a dataset, log each iteration, save them as safetensors.

package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"embrec/train/cf"
	"embrec/train/data"
	"embrec/wals"
)

func init() {
	register(&command{
		name:    "wals",
		summary: "fit WALS user/item factors on the training split; print loss, time and validation HR@10/NDCG@10 per iteration",
		usage: "wals --data FILE [--out FILE] [--factors 64] [--iters 15] [--reg 0.01] [--alpha 1]\n" +
			"            [--solver cg|cholesky] [--cg-steps 3] [--seed 1] [--threads N] [--eval-every 1] [--repeat 1]\n\n" +
			"Implicit-feedback weighted ALS (Hu, Koren, Volinsky 2008) on the training split (seq[:-2]) only:\n" +
			"confidence c = 1 + alpha*r on observed cells, preference 1, L2 regularisation reg.\n" +
			"Each iteration prints the objective, the user/item step times, and validation HR@10/NDCG@10 of\n" +
			"the MF baseline (dot product, training items excluded). Fit times exclude the loss and the\n" +
			"evaluation. Results are identical for any --threads.\n" +
			"The output (safetensors) holds user_factors (users, K) in file order and item_factors (items, K) in\n" +
			"OpenP5 sequential-indexing order (row i = item id 1001+i), with the raw ids in the metadata\n" +
			"(user_ids, item_ids) and the hyper-parameters. --repeat N refits N times (no output, no\n" +
			"evaluation) and prints the median and range of the fit's wall time and process CPU time (the\n" +
			"CPU time stays meaningful when other processes share the cores).\n" +
			"Example:\n" +
			"  embrec wals --data ../shared/data/Beauty/user_sequence.txt --factors 64 --iters 15 --reg 0.01 --alpha 1 --out beauty.wals.safetensors",
		run: runWALS,
	})
}

func runWALS(fs *flag.FlagSet, args []string) error {
	df := addDatasetFlags(fs)
	def := wals.DefaultConfig()
	out := fs.String("out", "", "output factor file (.safetensors); none if empty")
	factors := fs.Int("factors", def.Factors, "number of factors K")
	iters := fs.Int("iters", def.Iters, "iterations (user step + item step)")
	reg := fs.Float64("reg", def.Reg, "L2 regularisation lambda")
	alpha := fs.Float64("alpha", def.Alpha, "confidence scale: c = 1 + alpha*r")
	solverName := fs.String("solver", "cg", "row solver: cg (conjugate gradient, warm-started) or cholesky (exact)")
	cgSteps := fs.Int("cg-steps", def.CGSteps, "conjugate-gradient steps per row and half-iteration")
	seed := fs.Uint64("seed", def.Seed, "initialisation seed")
	threads := fs.Int("threads", 0, "goroutines (0 = GOMAXPROCS); results do not depend on it")
	evalEvery := fs.Int("eval-every", 1, "validation HR@10/NDCG@10 every N iterations (0 = never)")
	repeat := fs.Int("repeat", 1, "fit N times and report the median fit time (timing mode: no output, no loss, no evaluation)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := validateWALS(*factors, *iters, *cgSteps, *threads, *evalEvery, *repeat, *reg, *alpha); err != nil {
		return err
	}
	solver, err := wals.ParseSolver(*solverName)
	if err != nil {
		return err
	}
	cfg := wals.Config{Factors: *factors, Iters: *iters, Reg: *reg, Alpha: *alpha, Solver: solver,
		CGSteps: *cgSteps, Seed: *seed, InitScale: def.InitScale, Threads: *threads}
	d, _, err := df.load(dataOut)
	if err != nil {
		return err
	}
	cols := cf.TrainColumns(d)
	r := cf.TrainMatrix(d, cols)
	fmt.Fprintf(dataOut, "wals: %s: %d users x %d items, %d training interactions; K=%d iters=%d reg=%g alpha=%g solver=%s",
		d.Name, r.Rows, r.Cols, r.NNZ(), cfg.Factors, cfg.Iters, cfg.Reg, cfg.Alpha, cfg.Solver)
	if solver == wals.SolverCG {
		fmt.Fprintf(dataOut, " cg-steps=%d", cfg.CGSteps)
	}
	fmt.Fprintf(dataOut, " threads=%d kernels=%s\n", *threads, wals.KernelName())
	if *repeat > 1 {
		return timeWALS(r, cfg, *repeat)
	}
	if *out == "" && *evalEvery == 0 {
		fmt.Fprintln(dataOut, "wals: no --out and no evaluation: the factors are discarded")
	}
	limit, err := memLimitFromEnv()
	if err != nil {
		return err
	}
	var fitTime time.Duration
	fmt.Fprintf(dataOut, "%4s  %14s  %8s  %8s  %9s  %9s  %9s\n", "iter", "loss", "user s", "item s", "fit s", "val HR@10", "NDCG@10")
	m, err := wals.Fit(r, cfg, wals.FitOptions{Loss: true, MemLimit: limit, Progress: func(m *wals.Model, st wals.IterStats) error {
		fitTime += st.UserTime + st.ItemTime
		hr, nd := "-", "-"
		if *evalEvery > 0 && (st.Iter%*evalEvery == 0 || st.Iter == cfg.Iters) {
			res := cf.Evaluate(d, cols, data.Valid, &cf.MF{M: m}, cf.EvalOptions{Exclude: true, Threads: *threads})
			h, n := res.At(10)
			hr, nd = fmt.Sprintf("%.4f", h), fmt.Sprintf("%.4f", n)
		}
		fmt.Fprintf(dataOut, "%4d  %14.2f  %8.3f  %8.3f  %9.3f  %9s  %9s\n", st.Iter, st.Loss,
			st.UserTime.Seconds(), st.ItemTime.Seconds(), fitTime.Seconds(), hr, nd)
		return nil
	}})
	if err != nil {
		return err
	}
	fmt.Fprintf(dataOut, "wals: fit time %.3f s (%d iterations, loss and evaluation excluded)\n", fitTime.Seconds(), cfg.Iters)
	if *out == "" {
		return nil
	}
	meta := map[string]string{
		"dataset": d.Name, "data_file": d.Path, "data_sha256": dataSHA256(d.Path), "factors": strconv.Itoa(cfg.Factors), "iters": strconv.Itoa(cfg.Iters),
		"reg": fmt.Sprint(cfg.Reg), "alpha": fmt.Sprint(cfg.Alpha), "solver": cfg.Solver.String(),
		"cg_steps": strconv.Itoa(cfg.CGSteps), "seed": strconv.FormatUint(cfg.Seed, 10),
		"split": "train (seq[:-2])", "item_order": "OpenP5 sequential indexing (row i = item id 1001+i)",
	}
	if err := wals.Save(*out, m, d.Users, cols.RawIDs(d), meta); err != nil {
		return err
	}
	fmt.Fprintf(dataOut, "wals: wrote %s\n", *out)
	return nil
}

// timeWALS fits n times and prints each fit time, the median and the range.
func timeWALS(r *wals.Matrix, cfg wals.Config, n int) error {
	if n < 1 {
		return errors.New("--repeat must be >= 1")
	}
	times := make([]float64, 0, n)
	cpus := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		c0, haveCPU := processCPU()
		t0 := time.Now()
		if _, err := wals.Fit(r, cfg, wals.FitOptions{}); err != nil {
			return err
		}
		times = append(times, time.Since(t0).Seconds())
		fmt.Fprintf(dataOut, "fit %d: wall %.3f s", i+1, times[i])
		if c1, ok := processCPU(); ok && haveCPU {
			cpus = append(cpus, (c1 - c0).Seconds())
			fmt.Fprintf(dataOut, ", cpu %.3f s", cpus[i])
		}
		fmt.Fprintln(dataOut)
	}
	med, lo, hi := medianRange(times)
	fmt.Fprintf(dataOut, "wals: fit wall time median %.3f s, min %.3f s, max %.3f s over %d fits\n", med, lo, hi, n)
	if len(cpus) == n {
		med, lo, hi = medianRange(cpus)
		fmt.Fprintf(dataOut, "wals: fit cpu time  median %.3f s, min %.3f s, max %.3f s (user+system, all threads)\n", med, lo, hi)
	}
	return nil
}

func medianRange(v []float64) (med, lo, hi float64) {
	s := append([]float64(nil), v...)
	for i := 1; i < len(s); i++ { // insertion sort: n is small
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s)%2 == 1 {
		med = s[len(s)/2]
	} else {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return med, s[0], s[len(s)-1]
}
