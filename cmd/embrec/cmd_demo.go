// The demo command: the method end to end on built-in synthetic data, in a
// few minutes on a laptop-class CPU, with nothing downloaded.

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"embrec/train"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "run the whole method on built-in synthetic data and print the results table",
		usage: "demo [--seed 1] [--steps 800] [--stage1-steps 30] [--backbone tiny] [--keep DIR]\n\n" +
			"Generates a synthetic implicit-feedback dataset (taste clusters and sequential successors),\n" +
			"fits WALS, trains a from-scratch LLaMA of --backbone shape twice with the same budget: once with\n" +
			"user and item ids as text (the text-only baseline) and once with the WALS vectors projected into\n" +
			"the prompt (stage 1: projectors only; stage 2: projectors and every backbone weight, since a\n" +
			"from-scratch backbone has nothing to keep frozen), then evaluates all of them with OpenP5's\n" +
			"protocol (test split, seen template 0, 10-beam search constrained to valid items) next to\n" +
			"popularity and the WALS dot-product baseline. Deterministic for a given seed and thread count.",
		run: runDemo,
	})
}

func runDemo(fs *flag.FlagSet, args []string) error {
	c := train.DefaultDemoConfig()
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "training seed (initialisation, data order, templates)")
	fs.StringVar(&c.Data, "data", c.Data, "synthetic dataset: synth:seed=N,users=N,items=N,clusters=N,follow=P,minlen=N,maxlen=N")
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps of the text baseline and of stage 2")
	fs.IntVar(&c.Stage1Steps, "stage1-steps", c.Stage1Steps, "stage 1 steps (projectors only)")
	fs.IntVar(&c.Batch, "batch", c.Batch, "examples per step")
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate")
	fs.StringVar(&c.Backbone, "backbone", c.Backbone, "backbone shape: tiny, small or base")
	fs.IntVar(&c.Threads, "threads", 0, "CPU threads (0 = all cores)")
	fs.StringVar(&c.Dir, "keep", "", "keep the run directories here (default: a temporary directory, removed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := validateDemo(c); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	t0 := time.Now()
	rows, err := train.Demo(ctx, c, cmdOut)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmdOut, "\nResults (test split, %d beams, seen template 0; seq = sequential task, str = straightforward):\n\n", 10)
	train.WriteDemoTable(cmdOut, rows)
	text, stage2 := rows[2], rows[len(rows)-1]
	fmt.Fprintf(cmdOut, "\nWhat this shows: the same from-scratch LLaMA, trained for the same %d steps, reaches sequential\n"+
		"HR@10 %.4f when the prompt carries projected WALS vectors (stage 2) against %.4f with ids as text\n"+
		"and %.4f for popularity. Seed-to-seed spread of these numbers is measured in the README (Results).\n"+
		"Total time %.0fs.\n", c.Steps, stage2.Seq[2], text.Seq[2], rows[0].Seq[2], time.Since(t0).Seconds())
	return nil
}
