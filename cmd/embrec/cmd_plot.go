// The plot command: training curves from metrics.jsonl files as an SVG
// chart, one line per run and stage.

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"embrec/internal/atomicfile"
	"embrec/internal/svgplot"
)

func init() {
	register(&command{
		name:    "plot",
		summary: "plot training curves (loss, learning rate, gradient norm or validation metrics per step) from metrics.jsonl",
		usage: "plot --out FILE.svg [--y loss|lr|grad_norm|valid_hr10|valid_ndcg10] [--smooth 20] RUN_DIR_OR_METRICS_FILE ...\n\n" +
			"Reads each run's metrics.jsonl (written by embrec train) and draws one line per run and stage,\n" +
			"smoothed by a moving average of --smooth steps, as an SVG chart (any browser shows it).",
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
	out := fs.String("out", "", "output chart, FILE.svg (required)")
	y := fs.String("y", "loss", "what to plot: loss, lr, grad_norm, valid_hr10 or valid_ndcg10 (validation curves are not smoothed)")
	smooth := fs.Int("smooth", 20, "moving-average window in steps (1 = raw)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return errors.New("--out FILE.svg and at least one run directory or metrics.jsonl are required")
	}
	if !strings.EqualFold(filepath.Ext(*out), ".svg") {
		return fmt.Errorf("--out %s: embrec plot writes SVG; name the file .svg", *out)
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
	chart := svgplot.Chart{Title: "embrec training: " + *y, XLabel: "step", YLabel: *y}
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
			ser := svgplot.Series{Name: fmt.Sprintf("%s stage %d", name, stage), X: make([]float64, len(ms)), Y: make([]float64, len(ms))}
			sum := 0.0
			for i, m := range ms {
				sum += pick(m)
				if i >= *smooth {
					sum -= pick(ms[i-*smooth])
				}
				ser.X[i], ser.Y[i] = float64(m.Step), sum/float64(min(i+1, max(*smooth, 1)))
			}
			chart.Series = append(chart.Series, ser)
		}
	}
	if len(chart.Series) == 0 {
		return fmt.Errorf("plot: no %s lines in %s", *y, strings.Join(fs.Args(), ", "))
	}
	var buf bytes.Buffer
	if err := chart.WriteSVG(&buf); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := atomicfile.WriteFile(*out, buf.Bytes()); err != nil {
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
