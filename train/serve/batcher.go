// The Batcher: a bounded queue in front of worker goroutines, each owning
// one Engine (and so one backend). A worker takes a request, gathers what
// else is queued and, while the batch is smaller than its recent ones,
// what arrives within MaxWait, up to MaxBatch, and decodes them together.
// With several engines (replicas of one run), one worker's batch decodes
// while another's gathers, so the serial parts of a batched beam search
// (beam bookkeeping, cache reorders, answering) overlap instead of leaving
// cores idle. A full queue refuses at once; a request whose context ends
// leaves the queue unanswered or its batch at the next step.

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

// Batcher runs its Engines, each on its own goroutine.
type Batcher struct {
	es      []*Engine
	opt     BatchOptions
	m       *Metrics // may be nil
	mu      sync.RWMutex
	closed  bool
	queue   chan *pending
	workers sync.WaitGroup
	stopped chan struct{} // closed when every worker has returned
	drain   chan struct{} // closed by Drain
	drainer sync.Once
}

// NewBatcher starts one worker per engine; the engines must serve the
// same run (replicas: every request is answered the same by each). m may
// be nil.
func NewBatcher(engines []*Engine, opt BatchOptions, m *Metrics) *Batcher {
	b := newBatcher(engines, opt, m)
	b.start()
	return b
}

func newBatcher(engines []*Engine, opt BatchOptions, m *Metrics) *Batcher {
	if len(engines) == 0 {
		panic("serve: a Batcher needs an engine")
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 32
	}
	if opt.Queue <= 0 {
		opt.Queue = 8 * opt.MaxBatch
	}
	return &Batcher{es: engines, opt: opt, m: m, queue: make(chan *pending, opt.Queue), stopped: make(chan struct{}), drain: make(chan struct{})}
}

// start runs the workers; stopped closes when all have returned.
func (b *Batcher) start() {
	b.workers.Add(len(b.es))
	for _, e := range b.es {
		go func() {
			defer b.workers.Done()
			b.work(e)
		}()
	}
	go func() {
		b.workers.Wait()
		close(b.stopped)
	}()
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

// Close stops accepting requests, lets the workers answer every queued
// one, and returns when they have.
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

// work is one worker's loop over e.
func (b *Batcher) work(e *Engine) {
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
		b.run(e, batch)
	}
}

// run decodes the live requests of batch on e and answers each of them.
func (b *Batcher) run(e *Engine, batch []*pending) {
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
	res, err := safeRun(e, qs, stop)
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
func safeRun(e *Engine, qs []Query, stop []func() bool) (res []*Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("serve: decoding failed: %v", r)
		}
	}()
	return e.Run(qs, stop)
}

// Resolve checks a request against the run (every engine serves the same
// one) and turns it into a Query; safe alongside the workers.
func (b *Batcher) Resolve(req Request) (Query, error) { return b.es[0].Resolve(req) }
