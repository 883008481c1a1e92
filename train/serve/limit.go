// A connection limit for overload: past MaxConns open connections, a new
// connection's first request is answered 503 {"error": ...} at once and
// the connection closed, so memory stays bounded by the limit whatever the
// number of clients (the queue bounds decoding work; this bounds
// connections).

package serve

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// overloadResponse is what a connection over the limit gets.
var overloadResponse = func() []byte {
	body := `{"error":"overloaded: too many connections, retry later"}` + "\n"
	return []byte(fmt.Sprintf("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"+
		"Connection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
}()

// LimitListener wraps ln so that at most n connections are open at once;
// a connection over the limit is answered 503 and closed. refused, when
// set, is called for each.
func LimitListener(ln net.Listener, n int, refused func()) net.Listener {
	return &limitListener{Listener: ln, max: int64(n), refused: refused, refusers: make(chan struct{}, 256)}
}

type limitListener struct {
	net.Listener
	max      int64
	open     atomic.Int64
	refused  func()
	refusers chan struct{} // refusals reading a request head (bounded: each holds a buffer)
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &limitConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		if l.refused != nil {
			l.refused()
		}
		select {
		case l.refusers <- struct{}{}:
			go func() { refuse(c, true); <-l.refusers }()
		default: // enough refusals under way: answer without reading
			go refuse(c, false)
		}
	}
}

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}

// refuse answers 503 and closes c. With read, it first reads the request
// head (100 ms at most) so that the client has sent its request when the
// answer comes (an answer before the request reads, to an HTTP client, as
// a broken connection).
func refuse(c net.Conn, read bool) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if read {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if req, err := http.ReadRequest(bufio.NewReaderSize(c, 2048)); err == nil {
			io.Copy(io.Discard, io.LimitReader(req.Body, 64<<10))
		}
	}
	c.Write(overloadResponse)
}
