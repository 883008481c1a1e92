// The Batcher: a bounded queue in front of one worker goroutine that owns
// the Engine (and so the backend). The worker takes a request, gathers
// what else is queued and, while the batch is smaller than the recent
// ones, what arrives within MaxWait, up to MaxBatch, and decodes them
// together. A full queue refuses at once; a request whose
// context ends leaves the queue unanswered or its batch at the next step.

package serve

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Errors of Submit besides the context's.
var (
	ErrQueueFull = errors.New("serve: the request queue is full")
	ErrClosed    = errors.New("serve: the service is shutting down")
)

// BatchOptions configure a Batcher.
type BatchOptions struct {
	MaxBatch int           // requests per batched decode (0 = 32)
	MaxWait  time.Duration // longest wait for a batch to grow to the size of recent ones (0 = none)
	Queue    int           // requests waiting at most (0 = 8 x MaxBatch)
}

type pending struct {
	ctx context.Context
	q   Query
	out chan result // buffered: the worker never blocks on it
}

type result struct {
	r   *Response
	err error
}

// Batcher runs an Engine on its own goroutine.
type Batcher struct {
	e       *Engine
	opt     BatchOptions
	m       *Metrics // may be nil
	mu      sync.RWMutex
	closed  bool
	queue   chan *pending
	stopped chan struct{}
	drain   chan struct{} // closed by Drain
	drainer sync.Once
}

// NewBatcher starts the worker. m may be nil.
func NewBatcher(e *Engine, opt BatchOptions, m *Metrics) *Batcher {
	b := newBatcher(e, opt, m)
	go b.work()
	return b
}

func newBatcher(e *Engine, opt BatchOptions, m *Metrics) *Batcher {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 32
	}
	if opt.Queue <= 0 {
		opt.Queue = 8 * opt.MaxBatch
	}
	return &Batcher{e: e, opt: opt, m: m, queue: make(chan *pending, opt.Queue), stopped: make(chan struct{}), drain: make(chan struct{})}
}

// Drain stops waiting for batches to fill (MaxWait): on shutdown, what is
// queued is decoded at once. Requests are still accepted until Close.
func (b *Batcher) Drain() { b.drainer.Do(func() { close(b.drain) }) }

// QueueDepth is the number of requests waiting.
func (b *Batcher) QueueDepth() int { return len(b.queue) }

// Submit queues q and waits for its answer: ErrQueueFull when the queue
// is full, ErrClosed after Close, ctx's error when it ends first.
func (b *Batcher) Submit(ctx context.Context, q Query) (*Response, error) {
	p := &pending{ctx: ctx, q: q, out: make(chan result, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return nil, ErrClosed
	}
	select {
	case b.queue <- p:
	default:
		b.mu.RUnlock()
		return nil, ErrQueueFull
	}
	b.mu.RUnlock()
	select {
	case r := <-p.out:
		return r.r, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops accepting requests, lets the worker answer every queued
// one, and returns when it has.
func (b *Batcher) Close() {
	b.Drain()
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
	<-b.stopped
}

func (b *Batcher) work() {
	defer close(b.stopped)
	var timer *time.Timer
	var recent [8]int // sizes of the last batches (a ring)
	nb := 0
	for {
		p, ok := <-b.queue
		if !ok {
			return
		}
		batch := []*pending{p}
		open := true
	drain: // what is already queued, without waiting
		for len(batch) < b.opt.MaxBatch {
			select {
			case p, ok := <-b.queue:
				if !ok {
					open = false
					break drain
				}
				batch = append(batch, p)
			default:
				break drain
			}
		}
		// Wait for more only under concurrency: while the batch is smaller
		// than the largest of the last 8 (clients answered by them are
		// sending again). A lone request after lone requests decodes at once.
		target := 1
		for _, n := range recent {
			target = max(target, n)
		}
		target = min(b.opt.MaxBatch, target)
		if open && len(batch) < target && b.opt.MaxWait > 0 {
			if timer == nil {
				timer = time.NewTimer(b.opt.MaxWait)
			} else {
				timer.Reset(b.opt.MaxWait)
			}
		wait:
			for len(batch) < target {
				select {
				case p, ok := <-b.queue:
					if !ok {
						break wait
					}
					batch = append(batch, p)
				case <-timer.C:
					break wait
				case <-b.drain:
					break wait
				}
			}
			timer.Stop()
		}
		recent[nb%len(recent)] = len(batch)
		nb++
		b.run(batch)
	}
}

// run decodes the live requests of batch and answers each of them.
func (b *Batcher) run(batch []*pending) {
	live := batch[:0]
	for _, p := range batch {
		if p.ctx.Err() == nil { // gone while queued: no work
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		return
	}
	qs := make([]Query, len(live))
	stop := make([]func() bool, len(live))
	for i, p := range live {
		qs[i] = p.q
		ctx := p.ctx
		stop[i] = func() bool { return ctx.Err() != nil }
	}
	t0 := time.Now()
	res, err := b.safeRun(qs, stop)
	if b.m != nil {
		b.m.batch(len(live), time.Since(t0))
	}
	for i, p := range live {
		switch {
		case err != nil:
			p.out <- result{err: err}
		case res[i] == nil: // stopped: its context ended
			err := p.ctx.Err()
			if err == nil {
				err = errors.New("serve: the request was abandoned")
			}
			p.out <- result{err: err}
		default:
			p.out <- result{r: res[i]}
		}
	}
}

// safeRun is Engine.Run with a panic turned into an error for the batch.
func (b *Batcher) safeRun(qs []Query, stop []func() bool) (res []*Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("serve: decoding failed: %v", r)
		}
	}()
	return b.e.Run(qs, stop)
}
