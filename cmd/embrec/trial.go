// Trial records: one JSON line per training run appended to a log
// (results/quality/DATASET.jsonl), with the commit, the machine, the
// command line and the wall time, so that a results table can be audited.

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"embrec/train/metrics"
)

// commit is set at link time by scripts that build embrec for recorded
// experiments: go build -ldflags "-X main.commit=$(git rev-parse HEAD)".
var commit string

// buildCommit is the commit the binary was built from: the linker's, or
// the VCS revision Go stamped ("+dirty" when the tree had changes), or
// "unknown" (go run, -buildvcs=false, no git).
func buildCommit() string {
	if commit != "" {
		return commit
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "unknown", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

// machine names the CPU (the first "model name" of /proc/cpuinfo) and
// the core count.
func machine() string {
	name := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				name = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores", name, runtime.NumCPU())
}

// scores are the four metrics of one evaluation.
type scores struct {
	HR5    float64 `json:"hr5"`
	NDCG5  float64 `json:"ndcg5"`
	HR10   float64 `json:"hr10"`
	NDCG10 float64 `json:"ndcg10"`
	Users  int     `json:"users"`
}

func scoresOf(m *metrics.Mean) scores {
	h5, n5 := m.At(5)
	h10, n10 := m.At(10)
	return scores{h5, n5, h10, n10, m.N}
}

// trial is one line of a trial log.
type trial struct {
	Time    string         `json:"time"`
	Model   string         `json:"model"` // sasrec, embed, text, ...
	Dataset string         `json:"dataset"`
	Commit  string         `json:"commit"`
	Machine string         `json:"machine"`
	Device  string         `json:"device"`
	Args    []string       `json:"args"`
	WallS   float64        `json:"wall_s"`
	Passes  float64        `json:"passes"` // epochs over the training samples
	Extra   map[string]any `json:"extra,omitempty"`
	Valid   *scores        `json:"valid,omitempty"`
	Test    *scores        `json:"test,omitempty"`
	TestEx  *scores        `json:"test_excluded,omitempty"`
	TestCI  [2]float64     `json:"test_hr10_ci95"`
}

// appendTrial appends t as one JSON line to path (created if absent).
func appendTrial(path string, t trial) error {
	t.Time = time.Now().UTC().Format(time.RFC3339)
	t.Commit, t.Machine, t.Args = buildCommit(), machine(), os.Args[1:]
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("--log: %w", err)
	}
	w := bufio.NewWriter(f)
	if err := json.NewEncoder(w).Encode(t); err != nil {
		f.Close()
		return fmt.Errorf("--log %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("--log %s: %w", path, err)
	}
	return f.Close()
}
