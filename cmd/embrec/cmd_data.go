// The data command: statistics, OpenP5 indexing files and sample dumps of a
// user_sequence.txt dataset (subcommands stats, index, samples).

package main

import (
	"embrec/internal/atomicfile"

	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"embrec/train/data"
)

// dataOut is where the data, wals and eval-cf commands print (tests replace it).
var dataOut io.Writer = os.Stdout

func init() {
	register(&command{
		name:    "data",
		summary: "dataset statistics, OpenP5 indexing files, and training/evaluation samples as JSONL",
		usage: "data stats   --data FILE [--name NAME] [--lenient]\n" +
			"       embrec data index   --data FILE --out DIR [--indexing sequential|random] [--seed N]\n" +
			"       embrec data samples --data FILE [--split train|valid|test] [--task sequential|straightforward]\n" +
			"                           [--templates FILE] [--prompt seen:N|unseen:N|all] [--max-history 10] [--limit N] [--out FILE]\n" +
			"       embrec data synth   --out FILE [--users 300] [--items 200] [--min-len 5] [--max-len 30] [--seed 1]\n\n" +
			"FILE is an OpenP5 user_sequence.txt (one line per user: user item item ..., time-ordered).\n" +
			"Leave-one-out split: last item = test, second-to-last = validation, the rest = training.\n" +
			"  stats    counts (users, items, interactions, lengths, training samples) and load time\n" +
			"  index    writes user_indexing.txt, item_<kind>_indexing*.txt and user_sequence_<kind>_indexing*.txt\n" +
			"           as OpenP5 does (sequential: items of seq[:-2] numbered from 1001 in order of appearance,\n" +
			"           then the last two items; random: seeded shuffle); files are written atomically\n" +
			"  samples  one JSON object per line: user, user_id, history, target, template, input, output.\n" +
			"           Training samples: every position i >= 1 of seq[:-2], history = the previous items\n" +
			"           (last --max-history). --templates selects an OpenP5-format template file\n" +
			"           (\"task; seen|unseen; input; output\"); the default is embrec's built-in set.\n" +
			"  synth    writes a synthetic user_sequence.txt (taste clusters + sequential successors; deterministic)\n" +
			"Examples:\n" +
			"  embrec data stats --data ../shared/data/Beauty/user_sequence.txt\n" +
			"  embrec data index --data ../shared/data/Beauty/user_sequence.txt --out /tmp/beauty\n" +
			"  embrec data samples --data ../shared/data/LastFM/user_sequence.txt --split test --prompt unseen:0 --limit 3",
		run: runData,
	})
}

// datasetFlags are the flags every dataset-reading command has.
type datasetFlags struct {
	path, name *string
	lenient    *bool
}

func addDatasetFlags(fs *flag.FlagSet) datasetFlags {
	return datasetFlags{
		path:    fs.String("data", "", "user_sequence.txt file (required)"),
		name:    fs.String("name", "", "dataset name used in prompts (default: the file's directory name)"),
		lenient: fs.Bool("lenient", false, "skip malformed lines (counted and listed) instead of failing"),
	}
}

// load reads the dataset and reports skipped lines on w.
func (f datasetFlags) load(w io.Writer) (*data.Dataset, time.Duration, error) {
	if *f.path == "" {
		return nil, 0, errors.New("--data FILE is required")
	}
	t0 := time.Now()
	d, rep, err := data.Load(*f.path, data.LoadOptions{Name: *f.name, Lenient: *f.lenient})
	el := time.Since(t0)
	if err != nil {
		return nil, 0, err
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(w, "lenient: skipped %d of %d lines of %s:\n", len(rep.Skipped), rep.Lines+countEmpty(rep), *f.path)
		for i, s := range rep.Skipped {
			if i == 20 {
				fmt.Fprintf(w, "  ... and %d more\n", len(rep.Skipped)-20)
				break
			}
			fmt.Fprintf(w, "  %s:%d: %s\n", *f.path, s.Line, s.Reason)
		}
	}
	return d, el, nil
}

func countEmpty(rep *data.LoadReport) int {
	n := 0
	for _, s := range rep.Skipped {
		if s.Reason == "empty line" {
			n++
		}
	}
	return n
}

func runData(fs *flag.FlagSet, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fs.Usage()
		if len(args) == 0 {
			return errors.New("missing subcommand: stats, index, samples or synth")
		}
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "stats":
		return dataStats(fs, args)
	case "index":
		return dataIndex(fs, args)
	case "samples":
		return dataSamples(fs, args)
	case "synth":
		return dataSynth(fs, args)
	}
	fs.Usage()
	return fmt.Errorf("unknown subcommand %q (want stats, index, samples or synth)", sub)
}

func dataStats(fs *flag.FlagSet, args []string) error {
	df := addDatasetFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, el, err := df.load(dataOut)
	if err != nil {
		return err
	}
	fmt.Fprintf(dataOut, "dataset            %s (%s)\n", d.Name, d.Path)
	data.ComputeStats(d).Print(dataOut)
	fmt.Fprintf(dataOut, "load time          %.1f ms\n", float64(el.Microseconds())/1000)
	return nil
}

func dataIndex(fs *flag.FlagSet, args []string) error {
	df := addDatasetFlags(fs)
	out := fs.String("out", "", "output directory (required; created if missing)")
	kind := fs.String("indexing", "sequential", "sequential or random")
	seed := fs.Uint64("seed", 2023, "random indexing: shuffle seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out DIR is required")
	}
	d, _, err := df.load(dataOut)
	if err != nil {
		return err
	}
	ix, err := makeIndexing(d, *kind, *seed)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	paths, err := ix.WriteFiles(*out, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(dataOut, "%s indexing of %d users, %d items:\n", ix, d.NumUsers(), d.NumItems())
	for _, p := range paths {
		fmt.Fprintf(dataOut, "  wrote %s\n", p)
	}
	return nil
}

func makeIndexing(d *data.Dataset, kind string, seed uint64) (*data.Indexing, error) {
	switch kind {
	case "sequential":
		return data.SequentialIndexing(d), nil
	case "random":
		return data.RandomIndexing(d, seed), nil
	}
	return nil, fmt.Errorf("--indexing %q: want sequential or random", kind)
}

// sampleJSON is one line of `data samples` output.
type sampleJSON struct {
	Task     string   `json:"task"`
	Split    string   `json:"split"`
	User     string   `json:"user"`    // raw user id
	UserID   string   `json:"user_id"` // OpenP5 user id
	History  []string `json:"history,omitempty"`
	Target   string   `json:"target"`
	Template string   `json:"template"`
	Input    string   `json:"input"`
	Output   string   `json:"output"`
}

func dataSamples(fs *flag.FlagSet, args []string) error {
	df := addDatasetFlags(fs)
	splitName := fs.String("split", "train", "train, valid or test")
	task := fs.String("task", "sequential", "sequential or straightforward (or another task of the template file)")
	tmplPath := fs.String("templates", "", "OpenP5-format template file (default: embrec's built-in templates)")
	prompt := fs.String("prompt", "seen:0", "template: seen:N, unseen:N, or all (every seen template for every sample)")
	kind := fs.String("indexing", "sequential", "item ids: sequential or random")
	seed := fs.Uint64("seed", 2023, "random indexing: shuffle seed")
	maxHis := fs.Int("max-history", data.DefaultMaxHistory, "history length (most recent items); <= 0 keeps all")
	limit := fs.Int("limit", 0, "stop after this many lines (0 = all)")
	out := fs.String("out", "", "output file (default: standard output); written atomically")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sp, ok := data.ParseSplit(*splitName)
	if !ok {
		return fmt.Errorf("--split %q: want train, valid or test", *splitName)
	}
	ts, err := data.LoadTemplates(*tmplPath)
	if err != nil {
		return err
	}
	var tmpls []data.Template
	if *prompt == "all" {
		tmpls = ts.Task(*task, true)
		if len(tmpls) == 0 {
			return fmt.Errorf("%s: no seen templates for task %q", ts.Source, *task)
		}
	} else {
		t, err := ts.Get(*task, *prompt)
		if err != nil {
			return err
		}
		tmpls = []data.Template{t}
	}
	d, _, err := df.load(os.Stderr)
	if err != nil {
		return err
	}
	ix, err := makeIndexing(d, *kind, *seed)
	if err != nil {
		return err
	}
	withHistory := *task != "straightforward"
	write := func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		n := 0
		for _, s := range d.Samples(sp, data.SampleOptions{MaxHistory: *maxHis}) {
			f := d.PromptFields(ix, s)
			for _, t := range tmpls {
				if *limit > 0 && n >= *limit {
					return nil
				}
				in, outText := t.Render(f)
				j := sampleJSON{Task: *task, Split: sp.String(), User: d.Users[s.User], UserID: f.UserID,
					Target: f.Target, Template: templateName(t), Input: in, Output: outText}
				if withHistory {
					for _, it := range s.History {
						j.History = append(j.History, data.ItemToken(ix.ItemID[it]))
					}
				}
				if err := enc.Encode(&j); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	}
	if *out == "" {
		return write(dataOut)
	}
	return atomicfile.Write(*out, func(w *bufio.Writer) error { return write(w) })
}

func templateName(t data.Template) string {
	if t.Seen {
		return fmt.Sprintf("seen:%d", t.Index)
	}
	return fmt.Sprintf("unseen:%d", t.Index)
}

func dataSynth(fs *flag.FlagSet, args []string) error {
	c := data.DefaultSynth
	out := fs.String("out", "", "output user_sequence.txt (required)")
	fs.IntVar(&c.Users, "users", c.Users, "number of users")
	fs.IntVar(&c.Items, "items", c.Items, "number of items")
	fs.IntVar(&c.MinLen, "min-len", c.MinLen, "shortest sequence (>= 3)")
	fs.IntVar(&c.MaxLen, "max-len", c.MaxLen, "longest sequence (<= items)")
	fs.IntVar(&c.Clusters, "clusters", c.Clusters, "taste clusters")
	fs.Float64Var(&c.Follow, "follow", c.Follow, "probability that the next item is the previous one's successor")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "generator seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out FILE is required")
	}
	d, err := data.Synth(c)
	if err != nil {
		return err
	}
	if err := d.WriteUserSequence(*out); err != nil {
		return err
	}
	fmt.Fprintf(dataOut, "wrote %s: %d users, %d items, %d interactions\n", *out, d.NumUsers(), d.NumItems(), d.Interactions())
	return nil
}
