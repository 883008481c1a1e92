// The demo: the whole method on a synthetic dataset made here, with
// nothing downloaded. Popularity and WALS baselines, a text-only LLaMA
// (ids as text), and the method after stage 1 and stage 2, all with the
// same from-scratch backbone shape and training budget, evaluated with
// OpenP5's protocol on the test split.

package train

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"embrec/tensor"
	"embrec/train/cf"
	"embrec/train/data"
	"embrec/train/metrics"
	"embrec/wals"
)

// DemoData is the demo's synthetic dataset: 1000 users in 5 taste
// clusters over 100 items, sequences of 5-12 items where half the steps
// follow the previous item's successor.
const DemoData = "synth:seed=1,users=1000,items=100,clusters=5,follow=0.5,minlen=5,maxlen=12"

// DemoConfig sizes the demo.
type DemoConfig struct {
	Seed        uint64 // data order, initialisation, templates, dropout
	Data        string // synthetic dataset spec (see LoadData)
	Backbone    string // SmallConfigs name
	Steps       int    // text baseline and stage 2 steps
	Stage1Steps int
	Batch       int
	LR          float64
	Threads     int
	Dir         string // where runs are written ("" = a temporary directory, removed)
}

// DefaultDemoConfig fits in about two minutes on two cores.
func DefaultDemoConfig() DemoConfig {
	return DemoConfig{Seed: 1, Data: DemoData, Backbone: "tiny", Steps: 800, Stage1Steps: 30, Batch: 16, LR: 3e-3}
}

// DemoRow is one line of the results table.
type DemoRow struct {
	Model   string
	Seq     [4]float64 // sequential task: HR@5, NDCG@5, HR@10, NDCG@10
	Str     [4]float64 // straightforward task
	Seconds float64    // training time
}

func meanRow(m *metrics.Mean) [4]float64 {
	h5, n5 := m.At(5)
	h10, n10 := m.At(10)
	return [4]float64{h5, n5, h10, n10}
}

// Demo runs every row; progress goes to log.
func Demo(ctx context.Context, c DemoConfig, log io.Writer) ([]DemoRow, error) {
	dir := c.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "embrec-demo-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	spec := RunSpec{Data: c.Data, Init: "random", Config: c.Backbone,
		ModelSeed: c.Seed, Seed: c.Seed, WALS: wals.DefaultConfig(), Full: true}
	d, err := LoadData(spec)
	if err != nil {
		return nil, err
	}
	st := data.ComputeStats(d)
	fmt.Fprintf(log, "data: synthetic, %d users, %d items, %d interactions (taste clusters + sequential successors)\n",
		st.Users, st.Items, st.Interactions)

	var rows []DemoRow
	// Classic baselines on the same split, no exclusion of seen items
	// (the LLM rows follow OpenP5, which does not exclude either).
	t0 := time.Now()
	m, cols, err := FitWALS(d, spec.WALS, wals.FitOptions{})
	if err != nil {
		return nil, err
	}
	fitTime := time.Since(t0).Seconds()
	eval := func(s cf.Scorer) [4]float64 {
		return meanRow(cf.Evaluate(d, cols, data.Test, s, cf.EvalOptions{}).Mean)
	}
	pop := eval(cf.NewPopularity(d, cols))
	rows = append(rows, DemoRow{Model: "popularity", Seq: pop, Str: pop})
	rows = append(rows, DemoRow{Model: "MF (WALS)", Seq: eval(&cf.MF{M: m, Beta: 1, History: data.DefaultMaxHistory}),
		Str: eval(&cf.MF{M: m}), Seconds: fitTime})

	cfg := DefaultTrainConfig()
	cfg.Batch, cfg.LR, cfg.Seed, cfg.Warmup = c.Batch, c.LR, c.Seed, 50
	s1, s2 := cfg, cfg
	s1.Steps, s2.Steps = c.Stage1Steps, c.Steps
	none := cfg
	none.Steps = 0

	evalRec := func(b *Built) ([4]float64, [4]float64, error) {
		var out [2][4]float64
		for i, task := range []string{"sequential", "straightforward"} {
			res, err := b.Rec.Evaluate(b.Templates, EvalConfig{Split: data.Test, Task: task, Template: "seen:0", Beams: 10}, nil)
			if err != nil {
				return out[0], out[1], err
			}
			out[i] = meanRow(res.Mean)
		}
		return out[0], out[1], nil
	}
	arm := func(name, mode string, stage1 TrainConfig, atStage2 func(b *Built, trainSecs float64) error) error {
		sp := spec
		sp.Mode = mode
		b, err := Build(sp, tensor.NewCPU(c.Threads), io.Discard)
		if err != nil {
			return err
		}
		sub := dir + "/" + mode
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		start := time.Now()
		last := time.Now()
		var evalTime time.Duration // stage-1 evaluation inside the run, not training
		err = RunStages(ctx, b, stage1, s2, sub, 0, false, Validation{}, Hooks{
			OnStart: func(stage int, t *Trainer) {
				if stage == 2 && atStage2 != nil {
					t0 := time.Now()
					if err := atStage2(b, time.Since(start).Seconds()); err != nil {
						fmt.Fprintln(log, "  stage-1 evaluation failed:", err)
					}
					evalTime += time.Since(t0)
				}
				fmt.Fprintf(log, "%s: stage %d, %d steps\n", name, stage, t.Cfg.Steps)
			},
			OnStep: func(stage int, st StepStats) {
				if time.Since(last) > 10*time.Second || st.Step == s2.Steps {
					fmt.Fprintf(log, "  step %d loss %.4f (%.0fs)\n", st.Step, st.Loss, time.Since(start).Seconds())
					last = time.Now()
				}
			},
		})
		if err != nil {
			return err
		}
		secs := (time.Since(start) - evalTime).Seconds()
		seq, str, err := evalRec(b)
		if err != nil {
			return err
		}
		rows = append(rows, DemoRow{Model: name, Seq: seq, Str: str, Seconds: secs})
		return nil
	}
	if err := arm("LLaMA text ids", "text", none, nil); err != nil {
		return nil, err
	}
	var stage1Row DemoRow
	err = arm("Embed stage 2", "embed", s1, func(b *Built, secs float64) error {
		seq, str, err := evalRec(b)
		stage1Row = DemoRow{Model: "Embed stage 1", Seq: seq, Str: str, Seconds: secs}
		return err
	})
	if err != nil {
		return nil, err
	}
	last := rows[len(rows)-1]
	rows = append(rows[:len(rows)-1], stage1Row, last)
	return rows, nil
}

// WriteDemoTable prints rows as a Markdown table in the paper's layout.
func WriteDemoTable(w io.Writer, rows []DemoRow) {
	fmt.Fprintln(w, "| model | seq HR@5 | seq NDCG@5 | seq HR@10 | seq NDCG@10 | str HR@5 | str NDCG@5 | str HR@10 | str NDCG@10 | train s |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.0f |\n", r.Model,
			r.Seq[0], r.Seq[1], r.Seq[2], r.Seq[3], r.Str[0], r.Str[1], r.Str[2], r.Str[3], r.Seconds)
	}
}
