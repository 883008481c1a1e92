// The load generator's client: keep-alive reuse, a retry when the server
// closed an idle connection, and cancellation by context.

package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestClientReusesConnections(t *testing.T) {
	var conns atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Method, r.Header.Get("Content-Type"))
	}))
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	c := NewClient(ts.URL + "/ignored/path")
	defer c.Close()
	for i := range 5 {
		code, body, err := c.Do(context.Background(), "POST", "/x", []byte(`{}`))
		if err != nil || code != 200 || string(body) != "POST application/json" {
			t.Fatalf("request %d: %d %q %v", i, code, body, err)
		}
	}
	if code, body, err := c.Do(context.Background(), "GET", "/x", nil); err != nil || code != 200 || string(body) != "GET " {
		t.Fatalf("GET: %d %q %v", code, body, err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("6 sequential requests opened %d connections, want 1", n)
	}
}

// TestClientRetriesStaleConnection: a server that answers one request per
// connection and then closes it without saying so.
func TestClientRetriesStaleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				req, err := http.ReadRequest(bufio.NewReader(nc))
				if err != nil {
					return
				}
				req.Body.Close()
				fmt.Fprint(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}()
		}
	}()
	c := NewClient(ln.Addr().String())
	defer c.Close()
	for i := range 3 {
		if i > 0 {
			time.Sleep(20 * time.Millisecond) // let the server's close arrive
		}
		code, body, err := c.Do(context.Background(), "POST", "/", []byte(`{}`))
		if err != nil || code != 200 || string(body) != "ok" {
			t.Fatalf("request %d on a server that drops idle connections: %d %q %v", i, code, body, err)
		}
	}
}

func TestClientCancelled(t *testing.T) {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer ts.Close()
	defer close(release)
	c := NewClient(ts.URL)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, _, err := c.Do(ctx, "POST", "/", []byte(`{}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the context's deadline", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("cancelled request returned after %v", d)
	}
	if len(c.idle) != 0 {
		t.Errorf("a cancelled request's connection went back to the pool")
	}
}
