// A fixed pool of goroutines that splits an op's outer loop. Jobs are
// pointers to structs owned by the backend, so dispatch allocates nothing.

package tensor

import (
	"runtime"
	"sync"
)

// job is one parallel loop: run handles iterations [lo, hi).
type job interface{ run(lo, hi int) }

type task struct {
	j      job
	lo, hi int
}

type pool struct {
	workers int
	tasks   []chan task
	wg      sync.WaitGroup
}

func newPool(workers int) *pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &pool{workers: workers}
	for w := 1; w < workers; w++ {
		ch := make(chan task, 1)
		p.tasks = append(p.tasks, ch)
		go func() {
			for t := range ch {
				t.j.run(t.lo, t.hi)
				p.wg.Done()
			}
		}()
	}
	return p
}

// parallel runs j over [0, n) in contiguous chunks, one per worker, when
// n*cost (a rough count of flops per iteration) is worth splitting;
// otherwise inline. The split depends only on n and the worker count.
func (p *pool) parallel(n, cost int, j job) {
	if n <= 0 {
		return
	}
	w := p.workers
	if w > n {
		w = n
	}
	if w <= 1 || n*cost < 1<<15 {
		j.run(0, n)
		return
	}
	chunk := (n + w - 1) / w
	p.wg.Add(w - 1)
	for i := 1; i < w; i++ {
		lo := i * chunk
		hi := min(lo+chunk, n)
		if lo >= hi {
			p.wg.Done()
			continue
		}
		p.tasks[i-1] <- task{j, lo, hi}
	}
	j.run(0, min(chunk, n))
	p.wg.Wait()
}
