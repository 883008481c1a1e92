// The eval command: rebuild a trained run from its directory and report
// HR@5/10 and NDCG@5/10 with trie-constrained beam search, as OpenP5 does.

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"embrec/train"
	"embrec/train/data"
	"embrec/train/metrics"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "evaluate a trained run: HR@5/10, NDCG@5/10 with trie-constrained beam search",
		usage: "eval --run DIR [--split test|valid] [--task sequential|straightforward|all] [--template seen:0|unseen:0|all]\n" +
			"            [--beams 10] [--users N] [--exclude] [--rank beam|exact] [--json FILE]\n\n" +
			"Rebuilds the run's recommender from DIR/run.json, loads DIR/checkpoint.safetensors, appends\n" +
			"\" Response:\" to each prompt and decodes with beam search constrained by the trie of every\n" +
			"item's tokens; the beams in score order are the top-10 list (OpenP5's protocol). --exclude prunes\n" +
			"the user's training items from the trie (OpenP5 does not). --rank exact also scores every item's\n" +
			"full token sequence (each trie prefix decoded once), ranks the whole catalogue exactly, and reports\n" +
			"how many of the exact top items beam search missed.",
		run: runEval,
	})
}

func runEval(fs *flag.FlagSet, args []string) error {
	dir := fs.String("run", "", "run directory written by embrec train (required)")
	split := fs.String("split", "test", "test or valid")
	task := fs.String("task", "sequential", "sequential, straightforward, or all")
	tpl := fs.String("template", "seen:0", "seen:0, unseen:0, or all")
	beams := fs.Int("beams", 10, "beam width (= length of the recommendation list)")
	users := fs.Int("users", 0, "evaluate a fixed uniform sample of N users only, the one validation uses (0 = all; a file's first users need not be typical)")
	exclude := fs.Bool("exclude", false, "never recommend the user's training items")
	exact := fs.Bool("exact", false, "also rank the whole catalogue by each item's exact sequence probability (beyond the paper) and count the exact top items beam search missed")
	rank := fs.String("rank", "beam", "beam (OpenP5's protocol) or exact (also the exact full-catalogue ranking; same as --exact)")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	logPath := fs.String("log", "", "append the trial (run, flags, commit, machine, training time and passes, every row) as a JSON line to FILE")
	label := fs.String("label", "", "the trial's model name in --log (default: from the run, e.g. embed-s2, text-sequential)")
	ckpt := fs.String("checkpoint", "best", "best (the best validation's checkpoint when the run validated, else the last), last, or stage1 (the projectors stage 1 ended with)")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the evaluation to this file (go tool pprof)")
	accept := addAcceptFlag(fs)
	dev := addDeviceFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--run DIR is required")
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := validateEval(*beams, *users, *task, *split, *rank, dev); err != nil {
		return err
	}
	switch *rank {
	case "beam":
	case "exact":
		*exact = true
	default:
		return fmt.Errorf("--rank %q: want beam or exact", *rank)
	}
	sp, ok := data.ParseSplit(*split)
	if !ok || sp == data.Train {
		return fmt.Errorf("--split %q: want test or valid", *split)
	}
	if *ckpt != "best" && *ckpt != "last" && *ckpt != "stage1" {
		return fmt.Errorf("--checkpoint %q: want best, last or stage1", *ckpt)
	}
	built, step, err := loadRunCheckpoint(*dir, *ckpt, dev, *accept, io.Discard)
	if err != nil {
		return err
	}
	if err := checkCatalogue("beams", *beams, built.Data.NumItems()); err != nil {
		return err
	}
	var cfgs []train.EvalConfig
	for _, tk := range expand(*task, "sequential", "straightforward") {
		for _, tp := range expand(*tpl, "seen:0", "unseen:0") {
			cfgs = append(cfgs, train.EvalConfig{Split: sp, Task: tk, Template: tp, Beams: *beams, Users: *users, SampleUsers: true, Exclude: *exclude, Exact: *exact})
		}
	}
	var results []evalRow
	for _, c := range cfgs {
		r, err := evaluate(built, c, os.Stderr)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	printEvalTable(cmdOut, filepath.Base(*dir), results)
	if *logPath != "" {
		if err := logEvalTrial(*logPath, *label, *dir, *dev.device, *ckpt, built, step, results); err != nil {
			return err
		}
	}
	if *jsonOut != "" {
		js, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(*jsonOut, append(js, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func expand(v string, all ...string) []string {
	if v == "all" {
		return all
	}
	return strings.Split(v, ",")
}

// loadRun rebuilds a run's recommender on the --device backend and loads
// its best weights. Inputs that changed since training are an error unless
// acceptChanged.
func loadRun(dir string, dev deviceFlags, acceptChanged bool, log io.Writer) (*train.Built, error) {
	b, _, err := loadRunCheckpoint(dir, "best", dev, acceptChanged, log)
	return b, err
}

// loadRunCheckpoint is loadRun for the weights of which (best, last,
// stage1; see train.LoadOptions), returning their step too.
func loadRunCheckpoint(dir, which string, dev deviceFlags, acceptChanged bool, log io.Writer) (*train.Built, int, error) {
	b, err := dev.backend()
	if err != nil {
		return nil, 0, err
	}
	return train.LoadRunWith(dir, b, log, train.LoadOptions{Checkpoint: which, AcceptChanged: acceptChanged})
}

// evalRow is one evaluated configuration.
type evalRow struct {
	Task, Template, Split string
	Exclude               bool
	Users, Beams          int
	// HR5/NDCG5 and HR10/NDCG10 are at the cutoffs K (5 and 10, or the
	// list length, --beams, when it is shorter).
	K            [2]int
	HR5, NDCG5   float64
	HR10, NDCG10 float64
	Seconds      float64
	// With --exact: the exact full-catalogue ranking, and the share of each
	// user's exact top-k (k = beams) that beam search did not return.
	HR10CI        [2]float64  // 95% bootstrap interval of HR@10 over users
	Exact         *[4]float64 `json:",omitempty"`
	BeamMissShare float64     `json:",omitempty"`
}

func evaluate(b *train.Built, c train.EvalConfig, progress io.Writer) (evalRow, error) {
	t0 := time.Now()
	tty := isTerminal(progress)
	res, err := b.Rec.Evaluate(b.Templates, c, func(done, total int) {
		if !tty && done == total {
			fmt.Fprintf(progress, "%s %s: %d users\n", c.Task, c.Template, total)
		} else if tty && (done%50 == 0 || done == total) {
			fmt.Fprintf(progress, "\r%s %s: %d/%d users", c.Task, c.Template, done, total)
			if done == total {
				fmt.Fprintln(progress)
			}
		}
	})
	if err != nil {
		return evalRow{}, err
	}
	r := evalRow{Task: c.Task, Template: c.Template, Split: c.Split.String(), Exclude: c.Exclude, Users: res.N, Beams: c.Beams, Seconds: time.Since(t0).Seconds()}
	k5, k10 := min(5, c.Beams), min(10, c.Beams)
	r.K = [2]int{k5, k10}
	r.HR5, r.NDCG5 = res.At(k5)
	r.HR10, r.NDCG10 = res.At(k10)
	r.HR10CI[0], r.HR10CI[1] = metrics.BootstrapHR(res.Ranks, k10, 1000, 1)
	if res.Exact != nil {
		h5, n5 := res.Exact.At(k5)
		h10, n10 := res.Exact.At(k10)
		r.Exact = &[4]float64{h5, n5, h10, n10}
		r.BeamMissShare = float64(res.BeamMisses) / float64(max(res.N*c.Beams, 1))
	}
	return r, nil
}

func printEvalTable(w io.Writer, name string, rows []evalRow) {
	k := [2]int{5, 10}
	if len(rows) > 0 {
		k = rows[0].K // every row of one eval has the same --beams
	}
	// With --beams 5 or fewer there is one cut-off: the list's length.
	one := k[0] == k[1]
	if one {
		fmt.Fprintf(w, "| run | task | template | split | HR@%d | NDCG@%d | users |\n|---|---|---|---|---|---|---|\n", k[0], k[0])
	} else {
		fmt.Fprintf(w, "| run | task | template | split | HR@%d | NDCG@%d | HR@%d | NDCG@%d | users |\n|---|---|---|---|---|---|---|---|---|\n", k[0], k[0], k[1], k[1])
	}
	row := func(label string, r evalRow, m [4]float64) {
		if one {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %.4f | %.4f | %d |\n", label, r.Task, r.Template, r.Split, m[0], m[1], r.Users)
		} else {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %d |\n", label, r.Task, r.Template, r.Split, m[0], m[1], m[2], m[3], r.Users)
		}
	}
	for _, r := range rows {
		row(name, r, [4]float64{r.HR5, r.NDCG5, r.HR10, r.NDCG10})
		if r.Exact != nil {
			row(name+" (exact ranking)", r, *r.Exact)
		}
	}
	for _, r := range rows {
		if r.Exact != nil {
			fmt.Fprintf(w, "\n%s %s: beam search missed %.1f%% of the exact top-%d items\n", r.Task, r.Template, 100*r.BeamMissShare, r.Beams)
		}
	}
}
