// The sasrec command: the SASRec-style next-item baseline (train/sasrec)
// trained on a dataset's training split with validation-based selection
// and early stopping, then evaluated once on the test split.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"embrec/internal/atomicfile"
	"embrec/train"
	"embrec/train/data"
	"embrec/train/metrics"
	"embrec/train/sasrec"
)

func init() {
	register(&command{
		name:    "sasrec",
		summary: "train and evaluate the SASRec-style baseline (one token per item, full-softmax cross-entropy)",
		usage: "sasrec --data FILE --out DIR [--epochs 200] [--max-len 50] [--hidden 64] [--layers 2] [--dropout 0.2] ...\n\n" +
			"A causal transformer over item tokens (the llama package's blocks) trained with cross-entropy over\n" +
			"the whole catalogue at every position of each user's training items (all but the last two),\n" +
			"validated every --eval-every epochs on the validation item (HR@10, NDCG@10), keeping the best\n" +
			"epoch's weights (best.safetensors) and stopping after --patience validations without a better\n" +
			"NDCG@10. It then ranks the whole catalogue for every test user once, with and without the user's\n" +
			"training items, and prints HR@5/10 and NDCG@5/10 with a 95% bootstrap interval for HR@10.\n" +
			"Ctrl-C stops after the current step; --resume continues from the last finished epoch.\n" +
			"Example:\n" +
			"  embrec sasrec --data ../shared/data/Beauty/user_sequence.txt --out runs/beauty-sasrec",
		run: runSASRec,
	})
}

// sasrecRun is sasrec.json: what a run directory was trained with.
type sasrecRun struct {
	Data   string        `json:"data"`
	Config sasrec.Config `json:"config"`
}

func runSASRec(fs *flag.FlagSet, args []string) error {
	d := sasrec.DefaultConfig()
	dataPath := fs.String("data", "", "user_sequence.txt (required)")
	out := fs.String("out", "", "run directory (required)")
	c := d
	fs.IntVar(&c.Hidden, "hidden", d.Hidden, "hidden size C (item embedding width)")
	fs.IntVar(&c.Layers, "layers", d.Layers, "transformer blocks")
	fs.IntVar(&c.Heads, "heads", d.Heads, "attention heads")
	fs.IntVar(&c.MaxLen, "max-len", d.MaxLen, "the last N items of a history are the input")
	dropout := fs.Float64("dropout", float64(d.Dropout), "dropout on the input item embeddings")
	residDrop := fs.Float64("residual-dropout", 0, "dropout on each block's attention and MLP outputs before the residual additions (SASRec's dropout inside its blocks)")
	fs.IntVar(&c.Batch, "batch", d.Batch, "users per step")
	fs.Float64Var(&c.LR, "lr", d.LR, "AdamW learning rate (constant after warm-up)")
	fs.IntVar(&c.Warmup, "warmup", d.Warmup, "linear warm-up steps")
	fs.Float64Var(&c.WD, "weight-decay", d.WD, "AdamW weight decay")
	fs.Float64Var(&c.Clip, "clip", d.Clip, "global gradient-norm clipping (0: off)")
	fs.IntVar(&c.Epochs, "epochs", d.Epochs, "maximum epochs")
	fs.IntVar(&c.Every, "eval-every", d.Every, "validate every N epochs")
	fs.IntVar(&c.Patient, "patience", d.Patient, "stop after N validations without a better NDCG@10 (0: never)")
	fs.IntVar(&c.VUsers, "valid-users", d.VUsers, "validate on a fixed sample of N users (0: all)")
	fs.Uint64Var(&c.Seed, "seed", d.Seed, "initialisation, order and dropout seed")
	resume := fs.Bool("resume", false, "continue the run in --out from its last finished epoch")
	report := fs.Bool("report", false, "train nothing: evaluate the best epoch of the run in --out so far (e.g. of a run stopped before its end)")
	logPath := fs.String("log", "", "append the trial (flags, commit, machine, time, metrics) as a JSON line to FILE")
	dev := addDeviceFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.Dropout, c.ResidualDropout = float32(*dropout), float32(*residDrop)
	if *out == "" {
		return errors.New("--out DIR is required")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	spec := sasrecRun{Data: *dataPath, Config: c}
	specPath := filepath.Join(*out, "sasrec.json")
	if *resume || *report {
		js, err := os.ReadFile(specPath)
		if err != nil {
			return fmt.Errorf("--resume: %w", err)
		}
		if err := json.Unmarshal(js, &spec); err != nil {
			return fmt.Errorf("--resume: %s: %w", specPath, err)
		}
	} else if *dataPath == "" {
		return errors.New("--data is required (a user_sequence.txt file)")
	}
	if err := spec.Config.Check(); err != nil {
		return err
	}
	ds, _, err := data.Load(spec.Data, data.LoadOptions{})
	if err != nil {
		return err
	}
	b, err := dev.backend()
	if err != nil {
		return err
	}
	m, err := sasrec.New(ds, spec.Config, b)
	if err != nil {
		return err
	}
	statePath, bestPath := filepath.Join(*out, "state.safetensors"), filepath.Join(*out, "best.safetensors")
	var st sasrec.State
	if *report {
		if st, err = m.Load(statePath, false); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
		if _, err := m.Load(bestPath, false); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
		return sasrecReport(cmdOut, m, ds, st, trainingTime(*out), *dev.device, *logPath)
	}
	if *resume {
		if st, err = m.Load(statePath, true); err != nil {
			return fmt.Errorf("--resume: %w", err)
		}
	} else {
		if _, err := os.Stat(specPath); err == nil {
			return fmt.Errorf("--out %s already holds a sasrec run: continue it with --resume or choose another directory", *out)
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		js, _ := json.MarshalIndent(spec, "", "  ")
		if err := atomicfile.WriteFile(specPath, append(js, '\n')); err != nil {
			return err
		}
	}
	w := cmdOut
	sc := spec.Config
	fmt.Fprintf(w, "sasrec: %s: %d users, %d items; C=%d L=%d NH=%d max-len %d, %d parameters, backend %s\n",
		ds.Name, ds.NumUsers(), ds.NumItems(), sc.Hidden, sc.Layers, sc.Heads, sc.MaxLen, m.NumParams(), b.Name())
	ctx, stop := signalContext(context.Background())
	defer stop()
	ml, err := os.OpenFile(filepath.Join(*out, train.MetricsFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer ml.Close()
	enc := json.NewEncoder(ml)
	valid := validSample(ds.NumUsers(), spec.Config.VUsers)
	st, err = m.Train(ctx, st, sasrec.Hooks{
		Valid: func(data.Split) []int32 { return valid },
		Best:  func(st sasrec.State) error { return m.Save(bestPath, st, false) },
		Save:  func(st sasrec.State) error { return m.Save(statePath, st, true) },
		Epoch: func(es sasrec.EpochStats) {
			if err := enc.Encode(es); err != nil {
				fmt.Fprintf(os.Stderr, "metrics.jsonl: %v\n", err)
			}
			line := fmt.Sprintf("epoch %d/%d loss %.4f %.1fs", es.Epoch, spec.Config.Epochs, es.Loss, es.Seconds)
			if es.ValidHR != nil {
				line += fmt.Sprintf("  valid HR@10 %.4f NDCG@10 %.4f", *es.ValidHR, *es.ValidNDC)
				if es.Best {
					line += " (best)"
				}
			}
			fmt.Fprintln(w, line)
		},
	})
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(w, "interrupted after epoch %d; continue with: embrec sasrec --out %s --resume\n", st.Epoch, *out)
		code := exitInterrupt
		if sc, ok := context.Cause(ctx).(*signalCause); ok {
			code = signalExitCode(sc.sig)
		}
		return &exitError{code, fmt.Errorf("interrupted after epoch %d (its state is saved)", st.Epoch)}
	}
	if err != nil {
		return err
	}
	wall := trainingTime(*out) // every session of a resumed run
	fmt.Fprintf(w, "trained %d epochs in %.0fs; best validation NDCG@10 %.4f at epoch %d\n", st.Epoch, wall, st.BestNDCG, st.BestEpoch)
	if _, err := m.Load(bestPath, false); err != nil {
		return err
	}
	return sasrecReport(w, m, ds, st, wall, *dev.device, *logPath)
}

// validSample is a fixed sample of n users (sorted; nil: all).
func validSample(users, n int) []int32 {
	if n <= 0 || n >= users {
		return nil
	}
	rng := rand.New(rand.NewPCG(7, 7))
	s := make([]int32, 0, n)
	for _, u := range rng.Perm(users)[:n] {
		s = append(s, int32(u))
	}
	slices.Sort(s)
	return s
}

// sasrecReport evaluates the best weights on validation and test (with
// and without exclusion), prints the table and logs the trial.
func sasrecReport(w io.Writer, m *sasrec.Model, ds *data.Dataset, st sasrec.State, wall float64, device, logPath string) error {
	v := m.Evaluate(data.Valid, nil, false)
	t, tx := m.EvaluateBoth(data.Test, nil)
	lo, hi := metrics.BootstrapHR(t.Ranks, 10, 1000, 1)
	fmt.Fprintf(w, "%-22s %s\n", "split", t.Mean.Header())
	fmt.Fprintf(w, "%-22s %s\n", "valid", v.Mean.Row())
	fmt.Fprintf(w, "%-22s %s\n", "test", t.Mean.Row())
	fmt.Fprintf(w, "%-22s %s\n", "test, train excluded", tx.Mean.Row())
	fmt.Fprintf(w, "test HR@10 95%% bootstrap interval over %d users: [%.4f, %.4f]\n", t.Mean.N, lo, hi)
	if logPath == "" {
		return nil
	}
	vs, ts, txs := scoresOf(v.Mean), scoresOf(t.Mean), scoresOf(tx.Mean)
	return appendTrial(logPath, trial{Model: "sasrec", Dataset: ds.Name, Device: device, WallS: wall,
		Passes: float64(st.Epoch), Valid: &vs, Test: &ts, TestEx: &txs, TestCI: [2]float64{lo, hi},
		Extra: map[string]any{"config": m.Cfg, "best_epoch": st.BestEpoch, "best_valid_ndcg10": st.BestNDCG}})
}
