// Client: the load generator's HTTP/1.1 client for one address, with
// keep-alive connections, requests written by hand and answers read by
// http.ReadResponse. net/http's Client would serve, but it links the whole
// client stack (HTTP/2, TLS handshakes, proxies) into the embrec binary,
// about 0.7 MB, for a tool that only ever talks to a loopback service.

package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxIdleConns bounds the connections a Client keeps open between requests.
const maxIdleConns = 4096

// Client sends requests to one host:port over plain HTTP/1.1. It is safe
// for concurrent use: each request takes an idle connection or dials one.
type Client struct {
	addr   string
	dialer net.Dialer
	mu     sync.Mutex
	idle   []*clientConn
}

type clientConn struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

// NewClient returns a client of the service at addr ("host:port", or a
// URL "http://host:port[/...]" whose host and port it keeps).
func NewClient(addr string) *Client {
	addr = strings.TrimPrefix(addr, "http://")
	if i := strings.IndexByte(addr, '/'); i >= 0 {
		addr = addr[:i]
	}
	return &Client{addr: addr}
}

// Do sends one request (a JSON body when body is not nil) and returns the
// answer's status and body. Cancelling ctx abandons the request and its
// connection. A connection the server closed while idle is retried once
// on a fresh one.
func (c *Client) Do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		cc, reused, err := c.conn(ctx)
		if err != nil {
			return 0, nil, err
		}
		code, b, keep, sent, err := cc.roundTrip(ctx, c.addr, method, path, body)
		if keep {
			c.put(cc)
		} else {
			cc.c.Close()
		}
		if err != nil && reused && !sent && attempt == 0 && ctx.Err() == nil {
			continue // the idle connection had gone stale: nothing reached the server's handler
		}
		return code, b, err
	}
}

// Close closes the idle connections.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cc := range c.idle {
		cc.c.Close()
	}
	c.idle = nil
}

func (c *Client) conn(ctx context.Context) (*clientConn, bool, error) {
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		cc := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return cc, true, nil
	}
	c.mu.Unlock()
	nc, err := c.dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, false, err
	}
	return &clientConn{c: nc, br: bufio.NewReader(nc), bw: bufio.NewWriter(nc)}, false, nil
}

func (c *Client) put(cc *clientConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.idle) < maxIdleConns {
		c.idle = append(c.idle, cc)
		return
	}
	cc.c.Close()
}

// roundTrip writes one request and reads its answer. keep says whether
// the connection can carry another request; sent whether any byte of an
// answer arrived (a failure before that on a reused connection is safe to
// retry).
func (cc *clientConn) roundTrip(ctx context.Context, host, method, path string, body []byte) (code int, b []byte, keep, sent bool, err error) {
	stop := context.AfterFunc(ctx, func() { cc.c.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) error {
		if !stop() { // ctx fired: its deadline is why the connection failed
			return errors.Join(context.Cause(ctx), err)
		}
		return err
	}
	fmt.Fprintf(cc.bw, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host)
	if body != nil {
		fmt.Fprintf(cc.bw, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	cc.bw.WriteString("\r\n")
	cc.bw.Write(body)
	if err = cc.bw.Flush(); err != nil {
		return 0, nil, false, false, fail(err)
	}
	if _, err = cc.br.Peek(1); err != nil {
		return 0, nil, false, false, fail(err)
	}
	resp, err := http.ReadResponse(cc.br, nil)
	if err != nil {
		return 0, nil, false, true, fail(err)
	}
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, nil, false, true, fail(err)
	}
	fired := !stop() // the answer is whole, but the deadline ctx set may already poison the connection
	return resp.StatusCode, b, !resp.Close && !fired, true, nil
}
