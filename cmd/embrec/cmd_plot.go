// The plot command: training curves from metrics.jsonl files as a PNG
// (or SVG/PDF by extension), one line per run and stage.

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

func init() {
	register(&command{
		name:    "plot",
		summary: "plot training curves (loss, learning rate, gradient norm or validation metrics per step) from metrics.jsonl",
		usage: "plot --out FILE.png [--y loss|lr|grad_norm|valid_hr10|valid_ndcg10] [--smooth 20] RUN_DIR_OR_METRICS_FILE ...\n\n" +
			"Reads each run's metrics.jsonl (written by embrec train) and draws one line per run and stage,\n" +
			"smoothed by a moving average of --smooth steps. The format follows --out's extension (png, svg, pdf).",
		run: runPlot,
	})
}

type metricLine struct {
	Stage    int     `json:"stage"`
	Step     int     `json:"step"`
	Loss     float64 `json:"loss"`
	LR       float64 `json:"lr"`
	GradNorm float64 `json:"grad_norm"`
	// Validation lines (embrec train --eval-every) carry these instead.
	ValidHR   *float64 `json:"valid_hr10"`
	ValidNDCG *float64 `json:"valid_ndcg10"`
}

// valid reports whether m is a validation line.
func (m metricLine) valid() bool { return m.ValidHR != nil }

func runPlot(fs *flag.FlagSet, args []string) error {
	out := fs.String("out", "", "output image (.png, .svg or .pdf; required)")
	y := fs.String("y", "loss", "what to plot: loss, lr, grad_norm, valid_hr10 or valid_ndcg10 (validation curves are not smoothed)")
	smooth := fs.Int("smooth", 20, "moving-average window in steps (1 = raw)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return errors.New("--out FILE and at least one run directory or metrics.jsonl are required")
	}
	pick := map[string]func(metricLine) float64{
		"loss": func(m metricLine) float64 { return m.Loss }, "lr": func(m metricLine) float64 { return m.LR },
		"grad_norm":    func(m metricLine) float64 { return m.GradNorm },
		"valid_hr10":   func(m metricLine) float64 { return *m.ValidHR },
		"valid_ndcg10": func(m metricLine) float64 { return *m.ValidNDCG },
	}[*y]
	if pick == nil {
		return fmt.Errorf("--y %q: want loss, lr, grad_norm, valid_hr10 or valid_ndcg10", *y)
	}
	wantValid := strings.HasPrefix(*y, "valid_")
	if wantValid {
		*smooth = 1
	}
	p := plot.New()
	p.Title.Text = "embrec training: " + *y
	p.X.Label.Text = "step"
	p.Y.Label.Text = *y
	p.Legend.Top = true
	var lines []any
	for _, arg := range fs.Args() {
		path := arg
		if st, err := os.Stat(arg); err == nil && st.IsDir() {
			path = filepath.Join(arg, "metrics.jsonl")
		}
		byStage, err := readMetrics(path)
		if err != nil {
			return err
		}
		name := filepath.Base(filepath.Dir(path))
		for stage := 1; stage <= 2; stage++ {
			var ms []metricLine
			for _, m := range byStage[stage] {
				if m.valid() == wantValid {
					ms = append(ms, m)
				}
			}
			if len(ms) == 0 {
				continue
			}
			xy := make(plotter.XYs, len(ms))
			sum := 0.0
			for i, m := range ms {
				sum += pick(m)
				if i >= *smooth {
					sum -= pick(ms[i-*smooth])
				}
				xy[i].X, xy[i].Y = float64(m.Step), sum/float64(min(i+1, max(*smooth, 1)))
			}
			lines = append(lines, fmt.Sprintf("%s stage %d", name, stage), xy)
		}
	}
	if err := plotutil.AddLines(p, lines...); err != nil {
		return err
	}
	if err := p.Save(8*vg.Inch, 5*vg.Inch, *out); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	fmt.Printf("wrote %s\n", *out)
	return nil
}

// readMetrics reads a metrics.jsonl file, grouping lines by stage.
func readMetrics(path string) (map[int][]metricLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[int][]metricLine{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var m metricLine
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out[m.Stage] = append(out[m.Stage], m)
	}
	return out, sc.Err()
}
