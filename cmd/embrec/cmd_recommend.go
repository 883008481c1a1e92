// The recommend command: the top-k next items for one user of a trained
// run, by trie-constrained beam search, with their scores.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"embrec/train/data"
)

func init() {
	register(&command{
		name:    "recommend",
		summary: "print the top-k recommended items for one user of a trained run",
		usage: "recommend --run DIR --user ID [--history \"ITEM ITEM ...\"] [-k 10] [--task sequential|straightforward]\n" +
			"            [--template seen:0|unseen:0] [--exclude]\n\n" +
			"ID and ITEMs are raw ids of the run's dataset. Without --history the user's whole sequence is the\n" +
			"history (recommend what comes after everything seen). Scores are the beams' log-probabilities.",
		run: runRecommend,
	})
}

func runRecommend(fs *flag.FlagSet, args []string) error {
	dir := fs.String("run", "", "run directory written by embrec train (required)")
	user := fs.String("user", "", "raw user id (required)")
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
	if *dir == "" || *user == "" {
		return errors.New("--run DIR and --user ID are required")
	}
	if err := validateRecommend(*k, *task, dev); err != nil {
		return err
	}
	built, err := loadRun(*dir, dev, *accept, io.Discard)
	if err != nil {
		return err
	}
	d, rec := built.Data, built.Rec
	if err := checkCatalogue("k", *k, d.NumItems()); err != nil {
		return err
	}
	u := -1
	for i, id := range d.Users {
		if id == *user {
			u = i
			break
		}
	}
	if u < 0 {
		return fmt.Errorf("user %q is not in %s", *user, d.Name)
	}
	h := d.Seqs[u]
	if *hist != "" {
		h = nil
		for _, raw := range strings.Fields(*hist) {
			it, ok := d.ItemIndex(raw)
			if !ok {
				return fmt.Errorf("item %q is not in %s", raw, d.Name)
			}
			h = append(h, it)
		}
	}
	if len(h) > data.DefaultMaxHistory {
		h = h[len(h)-data.DefaultMaxHistory:]
	}
	smp := data.Sample{User: u, History: h}
	if *task == "straightforward" {
		smp.History = nil
	}
	tpl, err := built.Templates.Get(*task, *tplSel)
	if err != nil {
		return err
	}
	cat, err := rec.NewCatalogue(tpl)
	if err != nil {
		return err
	}
	p, err := rec.Enc.Encode(tpl, smp, false)
	if err != nil {
		return err
	}
	var exclude []int32
	if *excludeHist {
		exclude = h
	}
	rec.AttachAdaptersIfTrained()
	items, err := rec.BeamItems(rec.PromptEmbeddings(p), cat, *k, exclude)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmdOut, "user %s (%s), history %d items, %s task\n", *user, d.Name, len(smp.History), *task)
	for n, it := range items {
		fmt.Fprintf(cmdOut, "%2d  %-20s %-12s %8.4f\n", n+1, d.Items[it.Item], data.ItemToken(rec.Enc.Ix.ItemID[it.Item]), it.Score)
	}
	return nil
}
