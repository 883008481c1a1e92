// A load generator for the service (embrec bench serve): closed loop (C
// clients, each sending its next request when the last is answered) and
// open loop (requests at a fixed rate whatever the answers, for overload),
// recording every answer's status and latency.

package serve

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"
)

// LoadResult is what one load run saw.
type LoadResult struct {
	Elapsed   time.Duration
	ByStatus  map[int]int     // answers by HTTP status
	Failed    int             // requests with no answer (transport errors)
	OK        []time.Duration // latencies of 200 answers, sorted
	Refused   []time.Duration // latencies of the other answers, sorted
	Skipped   int             // open loop: requests not sent (MaxOutstanding reached)
	mu        sync.Mutex
	okUnsort  []time.Duration
	badUnsort []time.Duration
}

// Throughput is 200 answers per second.
func (r *LoadResult) Throughput() float64 { return float64(len(r.OK)) / r.Elapsed.Seconds() }

// Errors counts every request that did not get a 200.
func (r *LoadResult) Errors() int { return len(r.Refused) + r.Failed }

// Percentile returns the p-th percentile (0 < p <= 100, nearest rank) of
// sorted latencies, 0 for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (r *LoadResult) record(code int, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
		r.Failed++
	case code == http.StatusOK:
		r.ByStatus[code]++
		r.okUnsort = append(r.okUnsort, d)
	default:
		r.ByStatus[code]++
		r.badUnsort = append(r.badUnsort, d)
	}
}

func (r *LoadResult) finish(elapsed time.Duration) *LoadResult {
	r.Elapsed = elapsed
	r.OK, r.Refused = r.okUnsort, r.badUnsort
	slices.Sort(r.OK)
	slices.Sort(r.Refused)
	return r
}

// send posts one body and reads the answer.
func send(ctx context.Context, c *Client, path string, body []byte) (int, error) {
	code, _, err := c.Do(ctx, "POST", path, body)
	return code, err
}

// ClosedLoop runs conc clients posting to path for d, client i sending
// bodies[i], bodies[i+conc], ... in turn.
func ClosedLoop(ctx context.Context, c *Client, path string, bodies [][]byte, conc int, d time.Duration) *LoadResult {
	r := &LoadResult{ByStatus: map[int]int{}}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	t0 := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := i; ctx.Err() == nil; n += conc {
				t := time.Now()
				code, err := send(context.WithoutCancel(ctx), c, path, bodies[n%len(bodies)])
				r.record(code, time.Since(t), err)
			}
		}()
	}
	wg.Wait()
	return r.finish(time.Since(t0))
}

// OpenLoop sends bodies in turn at rate requests per second for d, each
// in its own goroutine, whatever the answers; at most maxOutstanding wait
// for an answer at once (the others are counted in Skipped).
func OpenLoop(ctx context.Context, c *Client, path string, bodies [][]byte, rate float64, d time.Duration, maxOutstanding int) *LoadResult {
	r := &LoadResult{ByStatus: map[int]int{}}
	sem := make(chan struct{}, maxOutstanding)
	t0 := time.Now()
	var wg sync.WaitGroup
	for n := 0; ctx.Err() == nil; n++ {
		at := t0.Add(time.Duration(float64(n) / rate * float64(time.Second)))
		if at.Sub(t0) >= d {
			break
		}
		time.Sleep(time.Until(at))
		select {
		case sem <- struct{}{}:
		default:
			r.mu.Lock()
			r.Skipped++
			r.mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			t := time.Now()
			code, err := send(ctx, c, path, bodies[n%len(bodies)])
			r.record(code, time.Since(t), err)
		}()
	}
	wg.Wait()
	return r.finish(time.Since(t0))
}
