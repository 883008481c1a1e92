// Progress output: a one-line bar redrawn in place on a terminal, plain
// log lines (every tenth of the run) otherwise.

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"embrec/train"
)

type progress struct {
	w     io.Writer
	tty   bool
	t0    time.Time
	first int
	shown int // count: the last tenth printed
	dirty bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, tty: isTerminal(w)} }

// isTerminal reports whether w is a terminal (where "\r" redraws a line;
// in a file or pipe it would make one endless line).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) start(step int) { p.t0, p.first = time.Now(), step }

func (p *progress) step(stage int, st train.StepStats, total int, tokPerSec float64) {
	done := st.Step - p.first
	eta := time.Duration(0)
	if done > 0 {
		eta = time.Duration(float64(time.Since(p.t0)) / float64(done) * float64(total-st.Step)).Round(time.Second)
	}
	line := fmt.Sprintf("stage %d step %d/%d loss %.4f lr %.2e |g| %.3f %.0f tok/s ETA %v",
		stage, st.Step, total, st.Loss, st.LR, st.GradNorm, tokPerSec, eta)
	if p.tty {
		const width = 24
		fill := width * st.Step / max(total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %s\x1b[K", strings.Repeat("#", fill), strings.Repeat(".", width-fill), line)
		p.dirty = true
		return
	}
	if every := max(total/10, 1); st.Step%every == 0 || st.Step == total || st.Step == p.first+1 {
		fmt.Fprintln(p.w, line)
	}
}

// checkpoint reports a saved checkpoint: on a terminal every time; in a log
// only with the progress lines (every tenth of the stage) and at its end,
// so that frequent checkpoints do not bury the log.
func (p *progress) checkpoint(stage, step, total int, path string) {
	if !p.tty && step%max(total/10, 1) != 0 && step != total {
		return
	}
	p.note(fmt.Sprintf("stage %d: checkpoint at step %d: %s", stage, step, path))
}

// count shows done of total units (a batch export's users).
func (p *progress) count(what string, done, total int) {
	eta := time.Duration(0)
	if done > 0 {
		eta = time.Duration(float64(time.Since(p.t0)) / float64(done) * float64(total-done)).Round(time.Second)
	}
	rate := float64(done) / max(time.Since(p.t0).Seconds(), 1e-9)
	line := fmt.Sprintf("%d/%d %s, %.1f/s, ETA %v", done, total, what, rate, eta)
	if p.tty {
		const width = 24
		fill := width * done / max(total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %s\x1b[K", strings.Repeat("#", fill), strings.Repeat(".", width-fill), line)
		p.dirty = true
		return
	}
	if tenth := done * 10 / max(total, 1); tenth > p.shown || done == total { // a line per tenth
		p.shown = tenth
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) note(s string) {
	p.done()
	fmt.Fprintln(p.w, s)
}

func (p *progress) done() {
	if p.dirty {
		fmt.Fprintln(p.w)
		p.dirty = false
	}
}
