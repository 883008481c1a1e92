// The load generator against the tiny service: every closed-loop and
// open-loop request is counted once with its status, and percentiles are
// nearest-rank.

package serve

import (
	"context"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for p, want := range map[float64]time.Duration{50: 5, 95: 10, 99: 10, 10: 1, 100: 10} {
		if got := Percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}

func TestLoadGenerator(t *testing.T) {
	e := tinyEngine(t)
	ts, _ := newTestServer(t, e, BatchOptions{MaxBatch: 8, Queue: 2}, ServerOptions{})
	bodies := [][]byte{[]byte(`{"user": "` + e.Built().Data.Users[0] + `", "k": 3}`), []byte(`{"user": "nobody"}`)}
	c := NewClient(ts.URL)
	defer c.Close()
	r := ClosedLoop(context.Background(), c, "/v1/recommend", bodies, 2, 200*time.Millisecond)
	if len(r.OK) == 0 || r.ByStatus[404] == 0 || r.Failed != 0 || r.ByStatus[200] != len(r.OK) || r.Errors() != r.ByStatus[404] {
		t.Errorf("closed loop: %d ok, %v, %d failed", len(r.OK), r.ByStatus, r.Failed)
	}
	o := OpenLoop(context.Background(), c, "/v1/recommend", bodies[:1], 200, 100*time.Millisecond, 1000)
	sent := 0
	for _, n := range o.ByStatus {
		sent += n
	}
	if sent+o.Failed != 20 || o.Skipped != 0 || len(o.OK)+len(o.Refused) != sent {
		t.Errorf("open loop at 200/s for 0.1s: %v, %d failed, %d skipped; want 20 answered", o.ByStatus, o.Failed, o.Skipped)
	}
	for code := range o.ByStatus {
		if code != 200 && code != 503 {
			t.Errorf("open loop answer %d", code)
		}
	}
}
