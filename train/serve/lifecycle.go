// The service's life: serve HTTP on a listener until the context ends,
// then stop gracefully: no new connections, the batcher decodes what is
// queued at once (Drain), in-flight requests are answered, and the
// batcher stops.

package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Serve answers on ln with s until ctx ends, then shuts down within grace
// and closes the batcher. batcher returns the server's Batcher, nil while
// the model loads (it is read when stopping). It returns nil after a
// graceful stop.
func Serve(ctx context.Context, ln net.Listener, s *Server, batcher func() *Batcher, grace time.Duration) error {
	// Read deadlines keep a slow or stalled client from holding a
	// connection (and its slot under the connection limit) for ever.
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		if b := batcher(); b != nil {
			b.Close()
		}
		return err
	case <-ctx.Done():
	}
	b := batcher()
	if b != nil {
		b.Drain() // queued requests decode now rather than wait for a batch to grow
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if b != nil {
		b.Close()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
