// The error paths not covered by request validation: a client that goes
// away (499 in the metrics, no work), a stopped batcher (503), a decoding
// failure (500) and a handler panic (500), each answered as JSON.

package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClientGoneCounted499(t *testing.T) {
	e := tinyEngine(t)
	m := NewMetrics(nil)
	b, start := pausedBatcher(e, BatchOptions{}, m)
	defer func() { start(); b.Close() }()
	s := NewServer(ServerOptions{}, m)
	s.Ready(b, Info{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/recommend", strings.NewReader(`{"user": "`+e.Built().Data.Users[0]+`"}`))
	done := make(chan error)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for b.QueueDepth() < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("a cancelled request got an answer")
	}
	for !strings.Contains(gather(t, m), `embrec_requests_total{code="499"} 1`) { // the handler notices
		time.Sleep(time.Millisecond)
	}
}

func TestShuttingDown503(t *testing.T) {
	e := tinyEngine(t)
	ts, b := newTestServer(t, e, BatchOptions{}, ServerOptions{})
	b.Close()
	code, v, _ := post(t, ts.URL, `{"user": "`+e.Built().Data.Users[0]+`"}`)
	if code != 503 || v["error"] != "shutting down" {
		t.Errorf("after Close: %d %v", code, v)
	}
}

func TestDecodingFailure500(t *testing.T) {
	e := tinyEngine(t)
	e.cats["sequential"].MaxLen = 1 << 20 // past the backbone's positions: the batch fails
	ts, _ := newTestServer(t, e, BatchOptions{}, ServerOptions{})
	code, v, _ := post(t, ts.URL, `{"user": "`+e.Built().Data.Users[0]+`"}`)
	if msg, _ := v["error"].(string); code != 500 || !strings.Contains(msg, "max_position_embeddings") {
		t.Errorf("failed batch: %d %v", code, v)
	}
	// The other task's catalogue still works: the worker survived.
	if code, v, _ := post(t, ts.URL, `{"user": "`+e.Built().Data.Users[0]+`", "task": "straightforward"}`); code != 200 {
		t.Errorf("after a failed batch: %d %v", code, v)
	}
}

func TestHandlerPanic500(t *testing.T) {
	s := NewServer(ServerOptions{}, nil)
	s.Ready(nil, Info{}) // a nil batcher: the handler panics on use
	ts := httptest.NewServer(s)
	defer ts.Close()
	code, v, _ := post(t, ts.URL, `{"user": "1"}`)
	if msg, _ := v["error"].(string); code != 500 || !strings.Contains(msg, "internal error") {
		t.Errorf("panicking handler: %d %v", code, v)
	}
}
