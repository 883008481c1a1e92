// Flag validation: every numeric flag is checked (NaN and ±Inf refused,
// ranges enforced) and every choice flag matched against its accepted
// values right after parsing, before any file is read or written. Each
// error names the flag, the value given and what is accepted.

package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"

	"embrec/lora"
	"embrec/train"
)

// checks collects flag errors; err joins them.
type checks struct{ errs []error }

func (c *checks) add(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *checks) err() error { return errors.Join(c.errs...) }

// intMin requires v >= lo.
func (c *checks) intMin(name string, v, lo int) {
	if v < lo {
		c.add("--%s %d: want an integer >= %d", name, v, lo)
	}
}

// intRange requires lo <= v <= hi.
func (c *checks) intRange(name string, v, lo, hi int) {
	if v < lo || v > hi {
		c.add("--%s %d: want an integer in [%d, %d]", name, v, lo, hi)
	}
}

// float requires a finite v in the range [lo, hi] (or (lo, hi] when
// openLo); hi may be +Inf for no upper bound.
func (c *checks) float(name string, v, lo, hi float64, openLo bool) {
	low, cmp := "[", v >= lo
	if openLo {
		low, cmp = "(", v > lo
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || !cmp || v > hi {
		rng := fmt.Sprintf("%s%g, %g]", low, lo, hi)
		if math.IsInf(hi, 1) {
			rng = fmt.Sprintf("a finite number %s %g", map[bool]string{false: ">=", true: ">"}[openLo], lo)
		} else {
			rng = "a finite number in " + rng
		}
		c.add("--%s %v: want %s", name, v, rng)
	}
}

// oneOf requires v to be one of the choices.
func (c *checks) oneOf(name, v string, choices ...string) {
	if !slices.Contains(choices, v) {
		c.add("--%s %q: want one of %s", name, v, strings.Join(choices, ", "))
	}
}

// listOf requires a comma-separated list of choices, at least one.
func (c *checks) listOf(name, v string, choices ...string) {
	for _, x := range strings.Split(v, ",") {
		if !slices.Contains(choices, x) {
			c.add("--%s %q: %q is not one of %s", name, v, x, strings.Join(choices, ", "))
			return
		}
	}
}

// validateDevice checks --device and --threads.
func (c *checks) device(d deviceFlags) {
	c.oneOf("device", *d.device, "cpu", "cuda")
	c.intMin("threads", *d.threads, 0)
}

// validateSpec checks the flags that define a run (train, demo).
func (c *checks) spec(fs *flag.FlagSet, f *specFlags) {
	if *f.data == "" {
		c.add("--data is required (a user_sequence.txt file, or synth)")
	}
	c.oneOf("indexing", *f.indexing, "sequential", "random")
	c.oneOf("mode", *f.mode, "embed", "text")
	c.oneOf("init", *f.init, "", "random")
	switch {
	case *f.model != "" && *f.init != "":
		c.add("--model %s and --init %s: give one backbone, not both", *f.model, *f.init)
	case *f.model == "" && *f.init == "":
		c.add("no backbone: give --model DIR or --init random")
	}
	if *f.init == "random" {
		names := make([]string, 0, len(train.SmallConfigs))
		for n := range train.SmallConfigs {
			names = append(names, n)
		}
		slices.Sort(names)
		c.oneOf("config", *f.config, names...)
	}
	c.intRange("wals-factors", *f.walsK, 1, 1<<16)
	c.intRange("wals-iters", *f.walsIters, 0, 1<<20)
	c.float("wals-reg", *f.walsReg, 0, math.Inf(1), false)
	c.float("wals-alpha", *f.walsAlpha, 0, math.Inf(1), false)
	c.intRange("proj-hidden", *f.projHidden, 0, 1<<20)
	c.intRange("lora-rank", *f.loraRank, 0, 1<<16)
	c.float("lora-alpha", *f.loraAlpha, 0, math.Inf(1), true)
	c.float("lora-dropout", *f.loraDropout, 0, 0.99, false)
	c.listOf("lora-targets", *f.loraTargets, lora.Projections...)
	if *f.factors != "" && *f.mode == "text" {
		c.add("--factors %s with --mode text: text mode uses no factors", *f.factors)
	}
}

// train checks the optimisation flags of both stages.
func (c *checks) train(f *trainFlags) {
	c.intRange("stage1-steps", *f.steps1, 0, 1<<30)
	c.intRange("steps", *f.steps, 0, 1<<30)
	c.intRange("batch", *f.batch, 1, 1<<20)
	c.intRange("accum", *f.accum, 1, 1<<20)
	c.intRange("warmup", *f.warmup, 0, 1<<30)
	c.float("lr", *f.lr, 0, math.Inf(1), true)
	c.float("stage1-lr", *f.lr1, 0, math.Inf(1), false)
	c.float("weight-decay", *f.wd, 0, math.Inf(1), false)
	c.float("clip", *f.clip, 0, math.Inf(1), false)
	c.float("input-dropout", *f.dropout, 0, 0.99, false)
	c.float("residual-dropout", *f.residDrop, 0, 0.99, false)
	c.float("beta2", *f.beta2, 0, 0.999999, false)
	c.intRange("max-history", *f.history, 1, 1<<20)
	if *f.tasks == "" {
		c.add("--tasks is empty: want sequential, straightforward or both, comma-separated")
	} else {
		c.listOf("tasks", *f.tasks, "sequential", "straightforward")
	}
}

// validateTrain checks every flag of embrec train. With --resume the run's
// own run.json defines the run, so the spec flags are not required then.
func validateTrain(fs *flag.FlagSet, sf *specFlags, tf *trainFlags, out string, saveEvery int, resume, overwrite bool, dev deviceFlags) error {
	var c checks
	if out == "" {
		c.add("--out DIR is required")
	}
	if fs.NArg() > 0 {
		c.add("unexpected argument %q", fs.Arg(0))
	}
	if resume && overwrite {
		c.add("--resume and --overwrite: continue the run or replace it, not both")
	}
	if !resume {
		c.spec(fs, sf)
	}
	c.train(tf)
	c.intRange("save-every", saveEvery, 1, 1<<30)
	c.device(dev)
	return c.err()
}

// maxK bounds the length of a recommendation list or beam (it is checked
// against the catalogue once the run is loaded, too).
const maxK = 1 << 16

// validateWALS checks the flags of embrec wals.
func validateWALS(factors, iters, cgSteps, threads, evalEvery, repeat int, reg, alpha float64) error {
	var c checks
	c.intRange("factors", factors, 1, 1<<16)
	c.intRange("iters", iters, 0, 1<<20)
	c.intRange("cg-steps", cgSteps, 1, 1<<16)
	c.intMin("threads", threads, 0)
	c.intMin("eval-every", evalEvery, 0)
	c.intRange("repeat", repeat, 1, 1<<20)
	c.float("reg", reg, 0, math.Inf(1), false)
	c.float("alpha", alpha, 0, math.Inf(1), false)
	return c.err()
}

// validateGenerate checks the flags of embrec generate.
func validateGenerate(maxTokens, threads int, temperature, topP float64) error {
	var c checks
	c.intRange("max-tokens", maxTokens, 0, 1<<20)
	c.intMin("threads", threads, 0)
	c.float("temperature", temperature, 0, 1e4, false)
	c.float("top-p", topP, 0, 1, false)
	return c.err()
}

// validateRecommend checks the flags of embrec recommend.
func validateRecommend(k int, task string, dev deviceFlags) error {
	var c checks
	c.intRange("k", k, 1, maxK)
	c.oneOf("task", task, "sequential", "straightforward")
	c.device(dev)
	return c.err()
}

// validateEval checks the flags of embrec eval.
func validateEval(beams, users int, task, split, rank string, dev deviceFlags) error {
	var c checks
	c.intRange("beams", beams, 1, maxK)
	c.intMin("users", users, 0)
	if task != "all" {
		c.listOf("task", task, "sequential", "straightforward")
	}
	c.oneOf("split", split, "test", "valid")
	c.oneOf("rank", rank, "beam", "exact")
	c.device(dev)
	return c.err()
}

// checkCatalogue refuses a list longer than the run's catalogue.
func checkCatalogue(flagName string, k, items int) error {
	if k > items {
		return fmt.Errorf("--%s %d: the catalogue has %d items; want at most %d", flagName, k, items, items)
	}
	return nil
}

// validateDemo checks the flags of embrec demo.
func validateDemo(c train.DemoConfig) error {
	var k checks
	k.intRange("steps", c.Steps, 0, 1<<30)
	k.intRange("stage1-steps", c.Stage1Steps, 0, 1<<30)
	k.intRange("batch", c.Batch, 1, 1<<20)
	k.float("lr", c.LR, 0, math.Inf(1), true)
	k.oneOf("backbone", c.Backbone, "tiny", "small", "base")
	k.intMin("threads", c.Threads, 0)
	return k.err()
}

// validateSchedule checks train's epoch and validation flags.
func validateSchedule(epochs float64, v train.Validation) error {
	var c checks
	c.float("epochs", epochs, 0, 1e6, false)
	c.intRange("eval-every", v.Every, 0, 1<<30)
	c.intRange("valid-users", v.Users, 0, 1<<30)
	c.intRange("patience", v.Patience, 0, 1<<30)
	return c.err()
}
