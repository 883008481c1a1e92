// The HTTP API through httptest: answers equal the Engine's, and every
// error path answers JSON {"error"} with its status (400, 404, 405, 413,
// 503 for a full queue, a timeout and while loading), never a panic.

package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func post(t *testing.T, url, body string) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.Post(url+"/v1/recommend", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: answer is not JSON: %q", body, raw)
	}
	return resp.StatusCode, v, resp.Header
}

func newTestServer(t *testing.T, e *Engine, bo BatchOptions, so ServerOptions, replicas ...*Engine) (*httptest.Server, *Batcher) {
	t.Helper()
	var b *Batcher
	m := NewMetrics(func() int { return b.QueueDepth() })
	b = NewBatcher(append([]*Engine{e}, replicas...), bo, m)
	s := NewServer(so, m)
	s.Ready(b, Info{Dataset: e.Built().Data.Name, Users: e.Built().Data.NumUsers(), Tasks: e.Tasks()})
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); b.Close() })
	return ts, b
}

func TestRecommendOK(t *testing.T) {
	e := tinyEngine(t)
	ts, _ := newTestServer(t, e, BatchOptions{MaxBatch: 4, MaxWait: time.Millisecond}, ServerOptions{})
	d := e.Built().Data
	body := `{"user": "` + d.Users[2] + `", "history": ["` + d.Items[4] + `", "` + d.Items[5] + `"], "k": 4, "exclude_seen": true}`
	code, v, _ := post(t, ts.URL, body)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, v)
	}
	q, _ := e.Resolve(Request{User: d.Users[2], History: []string{d.Items[4], d.Items[5]}, K: intp(4), ExcludeSeen: true})
	want, _ := e.Run([]Query{q}, nil)
	js, _ := json.Marshal(want[0])
	var wv map[string]any
	json.Unmarshal(js, &wv)
	if !reflect.DeepEqual(v, wv) {
		t.Errorf("answer %v, engine %v", v, wv)
	}
}

// TestRecommendConcurrentMatchesAlone: concurrent requests, gathered into
// batches by one worker or by two over replicas of the run, get exactly the
// answer each gets alone, scores included; with two, both workers decode.
func TestRecommendConcurrentMatchesAlone(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			e := tinyEngine(t)
			var replicas []*Engine
			for range workers - 1 {
				replicas = append(replicas, tinyEngine(t))
			}
			reqs := mixedRequests(e)
			want := make([]*Response, len(reqs))
			for i, r := range reqs {
				q, _ := e.Resolve(r)
				res, err := e.Run([]Query{q}, nil)
				if err != nil {
					t.Fatal(err)
				}
				want[i] = res[0]
			}
			e.batches.Store(0)
			ts, _ := newTestServer(t, e, BatchOptions{MaxBatch: 4, MaxWait: 5 * time.Millisecond, Queue: 512}, ServerOptions{}, replicas...)
			var wg sync.WaitGroup
			for round := 0; round < 6; round++ {
				for i, r := range reqs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						js, _ := json.Marshal(r)
						resp, err := http.Post(ts.URL+"/v1/recommend", "application/json", bytes.NewReader(js))
						if err != nil {
							t.Error(err)
							return
						}
						defer resp.Body.Close()
						var got Response
						if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
							t.Errorf("request %d: status %d, %v", i, resp.StatusCode, err)
							return
						}
						if !reflect.DeepEqual(&got, want[i]) {
							t.Errorf("request %d: %+v, alone %+v", i, got, want[i])
						}
					}()
				}
			}
			wg.Wait()
			for i, r := range append([]*Engine{e}, replicas...) {
				if r.Batches() == 0 {
					t.Errorf("engine %d of %d decoded no batch", i, workers)
				}
			}
		})
	}
}

func TestRecommendErrors(t *testing.T) {
	e := tinyEngine(t)
	ts, _ := newTestServer(t, e, BatchOptions{}, ServerOptions{MaxBody: 512})
	d := e.Built().Data
	u := `"` + d.Users[0] + `"`
	cases := []struct {
		name, body string
		code       int
		msg        string
	}{
		{"not JSON", `{"user": `, 400, "malformed"},
		{"wrong type", `{"user": 5}`, 400, "malformed"},
		{"unknown field", `{"user": ` + u + `, "kk": 3}`, 400, "unknown field"},
		{"two values", `{"user": ` + u + `} {}`, 400, "more than one"},
		{"no user", `{"k": 3}`, 400, `"user" is required`},
		{"k zero", `{"user": ` + u + `, "k": 0}`, 400, `"k" is 0`},
		{"k negative", `{"user": ` + u + `, "k": -2}`, 400, `"k" is -2`},
		{"k too large", `{"user": ` + u + `, "k": 100000}`, 400, `"k" is 100000`},
		{"unknown task", `{"user": ` + u + `, "task": "rating"}`, 400, `"task" "rating"`},
		{"straightforward with history", `{"user": ` + u + `, "task": "straightforward", "history": ["` + d.Items[0] + `"]}`, 400, "straightforward"},
		{"unknown user", `{"user": "nobody"}`, 404, `user "nobody"`},
		{"unknown items", `{"user": ` + u + `, "history": ["` + d.Items[0] + `", "x1", "x2"]}`, 404, `"x1", "x2"`},
		{"too large", `{"user": ` + u + `, "history": ["` + strings.Repeat("a", 600) + `"]}`, 413, "over 512 bytes"},
	}
	for _, c := range cases {
		code, v, _ := post(t, ts.URL, c.body)
		msg, _ := v["error"].(string)
		if code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %d %q, want %d and %q", c.name, code, msg, c.code, c.msg)
		}
	}
	for _, c := range []struct{ method, path string }{{"GET", "/v1/recommend"}, {"POST", "/healthz"}, {"DELETE", "/v1/info"}} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]string
		json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if resp.StatusCode != 405 || v["error"] == "" || resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: %d %v, want 405 with Allow", c.method, c.path, resp.StatusCode, v)
		}
	}
	resp, _ := http.Get(ts.URL + "/v2/nothing")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

func TestQueueFullAndTimeout(t *testing.T) {
	e := tinyEngine(t)
	m := NewMetrics(nil)
	b, start := pausedBatcher(e, BatchOptions{MaxBatch: 1, Queue: 1}, m)
	defer func() { start(); b.Close() }()
	s := NewServer(ServerOptions{Timeout: 200 * time.Millisecond}, m)
	s.Ready(b, Info{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	body := `{"user": "` + e.Built().Data.Users[0] + `"}`
	first := make(chan int)
	go func() { code, _, _ := post(t, ts.URL, body); first <- code }()
	for b.QueueDepth() < 1 { // the first request fills the queue
		time.Sleep(time.Millisecond)
	}
	code, v, h := post(t, ts.URL, body)
	if code != 503 || !strings.Contains(v["error"].(string), "queue is full") || h.Get("Retry-After") == "" {
		t.Errorf("full queue: %d %v", code, v)
	}
	// The worker never started: the first request times out, answered 503.
	if code := <-first; code != 503 {
		t.Errorf("timed-out request: %d, want 503", code)
	}
	out := gather(t, m)
	if !strings.Contains(out, `embrec_requests_total{code="503"} 2`) {
		t.Errorf("metrics do not count two 503s:\n%s", out)
	}
}

func TestCancelledWhileQueuedDoesNoWork(t *testing.T) {
	e := tinyEngine(t)
	m := NewMetrics(nil)
	b, start := pausedBatcher(e, BatchOptions{MaxBatch: 4}, m)
	q, _ := e.Resolve(Request{User: e.Built().Data.Users[0]})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := b.Submit(ctx, q); done <- err }()
	for b.QueueDepth() < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("cancelled request: %v", err)
	}
	start()
	b.Close()
	if out := gather(t, m); !strings.Contains(out, "embrec_batch_size_count 0") {
		t.Errorf("a batch ran for a cancelled request:\n%s", out)
	}
}

func TestHealthInfoMetrics(t *testing.T) {
	m := NewMetrics(func() int { return 0 })
	s := NewServer(ServerOptions{}, m)
	ts := httptest.NewServer(s)
	defer ts.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	if code, body := get("/healthz"); code != 503 || !strings.Contains(body, "loading") {
		t.Errorf("healthz before loading: %d %s", code, body)
	}
	if code, v, _ := post(t, ts.URL, `{"user": "1"}`); code != 503 {
		t.Errorf("recommend before loading: %d %v", code, v)
	}
	e := tinyEngine(t)
	b := NewBatcher([]*Engine{e}, BatchOptions{}, m)
	defer b.Close()
	s.Ready(b, Info{Dataset: "synth", Users: 40, Items: 30, Backbone: "tiny", Tasks: e.Tasks(), Run: "r", Version: "v"})
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("healthz: %d %s", code, body)
	}
	code, body := get("/v1/info")
	var info Info
	if err := json.Unmarshal([]byte(body), &info); code != 200 || err != nil || info.Users != 40 || len(info.Tasks) == 0 {
		t.Errorf("info: %d %s", code, body)
	}
	post(t, ts.URL, `{"user": "`+e.Built().Data.Users[0]+`"}`)
	code, body = get("/metrics")
	for _, name := range []string{`embrec_requests_total{code="200"} 1`, `embrec_requests_total{code="503"} 1`,
		"embrec_request_duration_seconds_bucket", "embrec_batch_size_bucket", "embrec_queue_depth 0"} {
		if code != 200 || !strings.Contains(body, name) {
			t.Errorf("metrics lack %q:\n%s", name, body)
		}
	}
}

func TestBatcherGathersQueued(t *testing.T) {
	e := tinyEngine(t)
	m := NewMetrics(nil)
	b, start := pausedBatcher(e, BatchOptions{MaxBatch: 8}, m)
	reqs := mixedRequests(e)
	var wg sync.WaitGroup
	for _, r := range reqs {
		q, _ := e.Resolve(r)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.Submit(context.Background(), q); err != nil {
				t.Error(err)
			}
		}()
	}
	for b.QueueDepth() < len(reqs) {
		time.Sleep(time.Millisecond)
	}
	start()
	wg.Wait()
	b.Close()
	out := gather(t, m)
	if !strings.Contains(out, "embrec_batch_size_count 1") || !strings.Contains(out, "embrec_batch_size_sum 8") {
		t.Errorf("8 queued requests were not one batch:\n%s", out)
	}
	if _, err := b.Submit(context.Background(), Query{}); err != ErrClosed {
		t.Errorf("submit after Close: %v", err)
	}
}

func TestBatcherPanicIsAnError(t *testing.T) {
	e := tinyEngine(t)
	b := NewBatcher([]*Engine{e}, BatchOptions{}, nil)
	defer b.Close()
	if _, err := b.Submit(context.Background(), Query{User: -1, Task: "sequential", K: 3}); err == nil || !strings.Contains(err.Error(), "decoding failed") {
		t.Errorf("bad query: %v", err)
	}
	q, _ := e.Resolve(Request{User: e.Built().Data.Users[0]})
	if r, err := b.Submit(context.Background(), q); err != nil || len(r.Items) == 0 {
		t.Errorf("after a failed batch: %v %v", r, err)
	}
}

// gather renders m's registry in the text format.
func gather(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// TestMetricsExposition checks /metrics as a scraper reads it: the text
// format's content type, and a body that Prometheus' own parser accepts with
// every family of the service in it.
func TestMetricsExposition(t *testing.T) {
	m := NewMetrics(func() int { return 3 })
	m.request(200, 5*time.Millisecond)
	m.batch(4, 2*time.Millisecond)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q, want the text format 0.0.4", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("the body does not parse: %v", err)
	}
	for _, name := range []string{"embrec_requests_total", "embrec_request_duration_seconds", "embrec_batch_size",
		"embrec_batch_duration_seconds", "embrec_requests_in_flight", "embrec_connections_refused_total", "embrec_queue_depth"} {
		if fams[name] == nil {
			t.Errorf("family %s missing", name)
		}
	}
	if q := fams["embrec_queue_depth"]; q != nil && q.Metric[0].GetGauge().GetValue() != 3 {
		t.Errorf("queue depth %v, want 3", q.Metric[0].GetGauge().GetValue())
	}
	if h := fams["embrec_batch_size"]; h != nil && h.Metric[0].GetHistogram().GetSampleCount() != 1 {
		t.Errorf("batch size count %d, want 1", h.Metric[0].GetHistogram().GetSampleCount())
	}
}
