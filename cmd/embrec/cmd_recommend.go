// The recommend command: the top-k next items for one user of a trained
// run (printed), or for many users (--users all|FILE) exported as JSON
// lines, by trie-constrained beam search through serve's Engine: the same
// batched, batch-invariant decoding as embrec serve, so the two agree.

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"embrec/internal/atomicfile"
	"embrec/train/data"
	"embrec/train/serve"
)

func init() {
	register(&command{
		name:    "recommend",
		summary: "print the top-k items for one user of a trained run, or export them for many users as JSON lines",
		usage: "recommend --run DIR --user ID [--history \"ITEM ITEM ...\"] [-k 10] [--task sequential|straightforward]\n" +
			"            [--template seen:0|unseen:0] [--exclude]\n" +
			"  recommend --run DIR --users all|FILE --out recs.jsonl [-k 10] [--batch 32] [--task ...] [--exclude]\n\n" +
			"ID and ITEMs are raw ids of the run's dataset. Without --history the user's whole sequence is the\n" +
			"history (recommend what comes after everything seen). Scores are the beams' log-probabilities.\n" +
			"--users exports every user of the dataset (all) or those of FILE (one raw id a line, # comments),\n" +
			"decoded --batch users at a time, one JSON line per user as embrec serve answers:\n" +
			"{\"user\": \"1\", \"items\": [{\"item\": \"...\", \"score\": -6.35}, ...]}.",
		run: runRecommend,
	})
}

func runRecommend(fs *flag.FlagSet, args []string) error {
	dir := fs.String("run", "", "run directory written by embrec train (required)")
	user := fs.String("user", "", "raw user id (this or --users)")
	users := fs.String("users", "", "all, or a file of raw user ids (one a line): export their lists to --out")
	out := fs.String("out", "", "JSON-lines file the --users export writes (atomically)")
	batch := fs.Int("batch", 32, "users decoded together in one batched beam search (--users)")
	hist := fs.String("history", "", "space-separated raw item ids, oldest first (default: the user's whole sequence)")
	k := fs.Int("k", 10, "number of items")
	task := fs.String("task", "sequential", "sequential or straightforward")
	tplSel := fs.String("template", "seen:0", "template selector")
	excludeHist := fs.Bool("exclude", false, "never recommend items of the history")
	accept := addAcceptFlag(fs)
	dev := addDeviceFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *dir == "" || (*user == "") == (*users == ""):
		return errors.New("--run DIR and one of --user ID or --users all|FILE are required")
	case *users != "" && *out == "":
		return errors.New("--users needs --out FILE")
	case *users != "" && *hist != "":
		return errors.New("--history goes with --user, not --users")
	case *batch < 1:
		return fmt.Errorf("--batch %d: want at least 1", *batch)
	case *k < 1:
		return fmt.Errorf("-k %d: want at least 1", *k)
	}
	if err := validateRecommend(*k, *task, dev); err != nil {
		return err
	}
	built, err := loadRun(*dir, dev, *accept, io.Discard)
	if err != nil {
		return err
	}
	if err := checkCatalogue("k", *k, built.Data.NumItems()); err != nil {
		return err
	}
	e, err := serve.NewEngine(built, serve.EngineOptions{Template: *tplSel, MaxK: *k})
	if err != nil {
		return err
	}
	req := serve.Request{K: k, ExcludeSeen: *excludeHist, Task: *task}
	if *users != "" {
		return exportRecs(e, req, *users, *out, *batch)
	}
	req.User, req.History = *user, strings.Fields(*hist)
	q, err := e.Resolve(req)
	if err != nil {
		return err
	}
	res, err := e.Run([]serve.Query{q}, nil)
	if err != nil {
		return err
	}
	d, rec := built.Data, built.Rec
	fmt.Fprintf(cmdOut, "user %s (%s), history %d items, %s task\n", *user, d.Name, len(q.History), *task)
	for n, it := range res[0].Items {
		ix, _ := d.ItemIndex(it.Item)
		fmt.Fprintf(cmdOut, "%2d  %-20s %-12s %8.4f\n", n+1, it.Item, data.ItemToken(rec.Enc.Ix.ItemID[ix]), it.Score)
	}
	return nil
}

// exportRecs writes one JSON line per user of sel (all, or a file of ids)
// to out, decoding batch users at a time, with a progress bar.
func exportRecs(e *serve.Engine, req serve.Request, sel, out string, batch int) error {
	ids, err := exportUsers(e, sel)
	if err != nil {
		return err
	}
	qs := make([]serve.Query, len(ids))
	for i, id := range ids {
		r := req
		r.User = id
		if qs[i], err = e.Resolve(r); err != nil {
			return fmt.Errorf("--users %s: %w", sel, err)
		}
	}
	pr := newProgress(os.Stderr)
	pr.start(0)
	err = atomicfile.Write(out, func(w *bufio.Writer) error {
		for lo := 0; lo < len(qs); lo += batch {
			res, err := e.Run(qs[lo:min(lo+batch, len(qs))], nil)
			if err != nil {
				return err
			}
			for _, r := range res {
				js, err := json.Marshal(r)
				if err != nil {
					return err
				}
				w.Write(append(js, '\n'))
			}
			pr.count("users", lo+len(res), len(qs))
		}
		return nil
	})
	pr.done()
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	fmt.Fprintf(os.Stderr, "%d users -> %s\n", len(qs), out)
	return nil
}

// exportUsers lists the raw ids --users selects.
func exportUsers(e *serve.Engine, sel string) ([]string, error) {
	if sel == "all" {
		return e.Built().Data.Users, nil
	}
	f, err := os.Open(sel)
	if err != nil {
		return nil, fmt.Errorf("--users: %w", err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			ids = append(ids, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--users %s: %w", sel, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("--users %s: no user ids", sel)
	}
	return ids, nil
}
