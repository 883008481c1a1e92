// The service's life and limits: a stop answers every request in flight
// and closes the port; a connection over the limit is answered 503.

package serve

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServeStopsGracefully(t *testing.T) {
	e := tinyEngine(t)
	m := NewMetrics(nil)
	b, start := pausedBatcher(e, BatchOptions{MaxBatch: 64, MaxWait: time.Hour}, m)
	s := NewServer(ServerOptions{}, m)
	s.Ready(b, Info{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, s, func() *Batcher { return b }, time.Minute) }()
	users := e.Built().Data.Users[:5]
	codes := make(chan int, len(users))
	for _, u := range users {
		go func() {
			resp, err := http.Post("http://"+ln.Addr().String()+"/v1/recommend", "application/json", strings.NewReader(`{"user": "`+u+`"}`))
			if err != nil {
				t.Error(err)
				codes <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for b.QueueDepth() < len(users) { // every request is queued: in flight
		time.Sleep(time.Millisecond)
	}
	stop() // SIGTERM: stop accepting, answer what is in flight
	start()
	for range users {
		if c := <-codes; c != 200 {
			t.Errorf("in-flight request answered %d", c)
		}
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after the stop: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still accepting after the stop")
	}
	if _, err := b.Submit(context.Background(), Query{}); err != ErrClosed {
		t.Errorf("batcher after the stop: %v", err)
	}
}

func TestConnectionLimit(t *testing.T) {
	e := tinyEngine(t)
	m := NewMetrics(nil)
	b, start := pausedBatcher(e, BatchOptions{MaxBatch: 4}, m)
	defer func() { start(); b.Close() }()
	s := NewServer(ServerOptions{}, m)
	s.Ready(b, Info{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s}
	go hs.Serve(LimitListener(ln, 1, m.ConnRefused))
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/v1/recommend"
	held := make(chan int, 1)
	go func() { // holds the one connection: its request waits in the paused batcher
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"user": "`+e.Built().Data.Users[0]+`"}`))
		if err != nil {
			held <- 0
			return
		}
		resp.Body.Close()
		held <- resp.StatusCode
	}()
	for b.QueueDepth() < 1 {
		time.Sleep(time.Millisecond)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post(url, "application/json", strings.NewReader(`{"user": "x"}`))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(v["error"], "too many connections") {
		t.Errorf("over the limit: %d %v", resp.StatusCode, v)
	}
	start()
	if c := <-held; c != 200 {
		t.Errorf("the connection under the limit: %d", c)
	}
	if !strings.Contains(gather(t, m), "embrec_connections_refused_total 1") {
		t.Error("refused connection not counted")
	}
}
