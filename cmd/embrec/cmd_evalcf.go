// The eval-cf command: evaluate the collaborative-filtering baselines
// (popularity, MF from WALS factors, and its sequential variant) on the
// validation or test split, in the paper's table layout.

package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"embrec/train/cf"
	"embrec/train/data"
	"embrec/train/metrics"
	"embrec/wals"
)

func init() {
	register(&command{
		name:    "eval-cf",
		summary: "HR@5/10 and NDCG@5/10 of the popularity and WALS (MF) baselines on the valid or test split",
		usage: "eval-cf --data FILE [--factors FILE] [--split valid|test] [--exclude both|yes|no]\n" +
			"               [--methods pop,mf,mf-seq] [--beta 1] [--history 10] [--threads N]\n\n" +
			"Ranks the full catalogue for every user of the split; one relevant item per user (OpenP5 leave-one-out).\n" +
			"  pop     items by number of training interactions\n" +
			"  mf      x_u . y_i (straightforward task: the user vector only)\n" +
			"  mf-seq  (x_u/|x_u| + beta * m/|m|) . y_i, m = mean of the last --history item vectors (sequential task)\n" +
			"--exclude yes removes the user's training items (seq[:-2]) from the ranking; both prints both.\n" +
			"--factors is a file written by `embrec wals` on the same dataset, implicit's .npz, or Spark's factors\n" +
			"as text USERS,ITEMS (needed for mf and mf-seq; see the README's Spark hand-off).\n" +
			"Choose hyper-parameters with --split valid; report --split test.\n" +
			"Example:\n" +
			"  embrec eval-cf --data ../shared/data/Beauty/user_sequence.txt --factors beauty.wals.safetensors --split test",
		run: runEvalCF,
	})
}

func runEvalCF(fs *flag.FlagSet, args []string) error {
	df := addDatasetFlags(fs)
	factors := fs.String("factors", "", factorsHelp+" (required for mf, mf-seq)")
	factorIDs := fs.String("factor-ids", "", factorIDsHelp)
	splitName := fs.String("split", "valid", "valid or test")
	exclude := fs.String("exclude", "both", "remove training items from the ranking: yes, no or both")
	methods := fs.String("methods", "", "comma-separated subset of pop,mf,mf-seq (default: all that the inputs allow)")
	beta := fs.Float64("beta", 1, "mf-seq: weight of the mean history item vector")
	history := fs.Int("history", data.DefaultMaxHistory, "mf-seq: number of most recent items averaged (<= 0: all)")
	threads := fs.Int("threads", 0, "goroutines (0 = GOMAXPROCS); results do not depend on it")
	logPath := fs.String("log", "", "append each method's result (with a 95% bootstrap interval for HR@10) as a trial JSON line to FILE")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	sp, ok := data.ParseSplit(*splitName)
	if !ok || sp == data.Train {
		return fmt.Errorf("--split %q: want valid or test", *splitName)
	}
	var excl []bool
	switch *exclude {
	case "no":
		excl = []bool{false}
	case "yes":
		excl = []bool{true}
	case "both":
		excl = []bool{false, true}
	default:
		return fmt.Errorf("--exclude %q: want yes, no or both", *exclude)
	}
	d, _, err := df.load(dataOut)
	if err != nil {
		return err
	}
	cols := cf.TrainColumns(d)
	var model *wals.Model
	var meta map[string]string
	if *factors != "" {
		s, err := wals.LoadAny(*factors, *factorIDs, d.Users, d.Items)
		if err != nil {
			return err
		}
		if model, err = s.Reorder(d.Users, cols.RawIDs(d)); err != nil {
			return fmt.Errorf("%s: %w (fitted on another dataset?)", *factors, err)
		}
		meta = s.Meta
	}
	names := strings.Split(*methods, ",")
	if *methods == "" {
		names = []string{"pop"}
		if model != nil {
			names = append(names, "mf", "mf-seq")
		}
	}
	var scorers []cf.Scorer
	for _, n := range names {
		switch strings.TrimSpace(n) {
		case "pop":
			scorers = append(scorers, cf.NewPopularity(d, cols))
		case "mf", "mf-seq":
			if model == nil {
				return fmt.Errorf("method %s needs --factors", n)
			}
			b := float32(0)
			if strings.TrimSpace(n) == "mf-seq" {
				b = float32(*beta)
			}
			scorers = append(scorers, &cf.MF{M: model, Beta: b, History: *history})
		default:
			return fmt.Errorf("unknown method %q (want pop, mf, mf-seq)", n)
		}
	}
	fmt.Fprintf(dataOut, "eval-cf: %s, %s split, %d users, full ranking over %d items (one held-out item per user)\n",
		d.Name, sp, d.NumUsers(), d.NumItems())
	switch {
	case meta != nil && meta["format"] == wals.FileFormat:
		fmt.Fprintf(dataOut, "factors: %s (K=%d, iters=%s, reg=%s, alpha=%s, solver=%s)\n",
			*factors, model.K, meta["iters"], meta["reg"], meta["alpha"], meta["solver"])
	case meta != nil:
		fmt.Fprintf(dataOut, "factors: %s (K=%d, %s)\n", *factors, model.K, meta["format"])
	}
	fmt.Fprintf(dataOut, "excl = the user's training items (seq[:-2]) removed from the ranking\n\n")
	fmt.Fprintf(dataOut, "%-26s %-5s %-9s%-9s%-9s%-9s %s\n", "method", "excl", "HR@5", "NDCG@5", "HR@10", "NDCG@10", "time")
	for _, s := range scorers {
		for _, ex := range excl {
			t0 := time.Now()
			res := cf.Evaluate(d, cols, sp, s, cf.EvalOptions{Exclude: ex, Threads: *threads})
			yn := "no"
			if ex {
				yn = "yes"
			}
			fmt.Fprintf(dataOut, "%-26s %-5s %s  %.1fs\n", s.Name(), yn, res.Row(), time.Since(t0).Seconds())
			if *logPath != "" {
				label := s.Name()
				if ex {
					label += "-excl"
				}
				sc := scoresOf(res.Mean)
				lo, hi := metrics.BootstrapHR(res.Ranks, 10, 1000, 1)
				t := trial{Model: label, Dataset: d.Name, Device: "cpu", TestCI: [2]float64{lo, hi},
					Extra: map[string]any{"factors": *factors, "factors_meta": meta, "beta": *beta, "history": *history}}
				if sp == data.Valid {
					t.Valid = &sc
				} else {
					t.Test = &sc
				}
				if err := appendTrial(*logPath, t); err != nil {
					return err
				}
			}
			if ex && res.TargetInTrain > 0 {
				fmt.Fprintf(dataOut, "%-26s       (%d users' held-out item is one of their training items: a miss here)\n", "", res.TargetInTrain)
			}
		}
	}
	return nil
}

// The help of --factors and --factor-ids (train, eval-cf).
const (
	factorsHelp = "factor table: a file from `embrec wals`, implicit's model.save .npz (user_factors, item_factors), " +
		"or Spark ALS factors as text USERS,ITEMS (rows \"id v1 ... vK\"; files or directories of part files)"
	factorIDsHelp = "raw ids of an .npz's rows when it has no user_ids/item_ids arrays: USERS.txt,ITEMS.txt " +
		"(one id a line, in row order), or dataset (rows in the dataset's user and first-appearance item order)"
)
