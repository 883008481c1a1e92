// The persistent worker pool: thread count, worker goroutines, the
// barrier that publishes each packed B panel, and the per-worker buffers.

package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// threads is the SetThreads value; 0 means runtime.GOMAXPROCS(0).
var threads atomic.Int64

// SetThreads sets the number of goroutines Sgemm uses (the caller counts as
// one). n <= 0 resets to the default, runtime.GOMAXPROCS(0) at call time.
func SetThreads(n int) {
	threads.Store(int64(max(n, 0)))
}

// Threads returns the number of goroutines Sgemm uses.
func Threads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// worker is one participant of a call; worker 0 is the calling goroutine.
type worker struct {
	id    int
	start chan struct{} // one token per call to run (not used by worker 0)
	apack []float32     // packed A block, cfg.mc*cfg.kc floats
	h16   []uint16      // source rows rounded to BF16 (GemmBF16)
	w32   []float32     // a depth pair's interleaved words (GemmBF16, interleaveStrips)
	tile  [maxTile]float32
	bown  []float32 // this worker's own packed B panel (job.useOwnB)
}

// team is what the workers of one call share.
type team struct {
	bpack [2][]float32 // packed B panel, double-buffered when parallel
	bar   barrier
}

// aSize is the packed A block's size for j: MC x KC, or less for a
// smaller problem (whole MR row panels, the depth of one block).
func (j *job) aSize() int {
	cfg := &j.cfg
	return min(cfg.mc, roundUp(j.m, cfg.mr)) * min(cfg.kc, j.k)
}

// bSize is the packed B panel's size for j: KC x NC, or less for a
// smaller problem (whole NR micro-panels).
func (j *job) bSize() int {
	cfg := &j.cfg
	return min(cfg.kc, j.k) * roundUp(min(cfg.nc, j.n), cfg.nr)
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// grow makes the B buffers fit j (a call's buffers are sized by its
// problem, up to the blocking's, so small products keep small buffers).
func (t *team) grow(j *job, parallel bool) {
	bSize := j.bSize()
	for i := range t.bpack {
		if len(t.bpack[i]) < bSize && (i == 0 || parallel) {
			t.bpack[i] = make([]float32, bSize)
		}
	}
}

// workerPool holds everything that persists between calls. mu serialises
// calls; every other field is owned by the call holding mu.
type workerPool struct {
	mu      sync.Mutex
	workers []*worker
	job     job
	team    team
	done    sync.WaitGroup
}

var pool workerPool

// solo is the private state of a call that found the pool busy (another
// goroutine is inside Sgemm): it runs single-threaded on the caller.
type solo struct {
	job  job
	w    worker
	team team
}

var solos = sync.Pool{New: func() any { return new(solo) }}

// runSolo runs j on the calling goroutine alone with pooled buffers.
func runSolo(j *job) {
	s := solos.Get().(*solo)
	s.run(j)
	solos.Put(s)
}

// run multiplies j on the calling goroutine with s's buffers, growing them
// only when j needs more.
func (s *solo) run(j *job) {
	s.job = *j
	s.job.nthreads, s.job.tm, s.job.tn = 1, 1, 1
	s.w.grow(&s.job)
	s.team.grow(&s.job, false)
	s.team.bar.reset(1)
	s.job.run(&s.w, &s.team)
	s.job.a, s.job.b, s.job.c = nil, nil, nil
}

// grow makes w's own buffers fit j: the packed A block, the private B
// panel where j uses one, the BF16 rounding scratch.
func (w *worker) grow(j *job) {
	if n := j.aSize(); len(w.apack) < n {
		w.apack = make([]float32, n)
	}
	if n := j.bSize(); j.useOwnB() && len(w.bown) < n {
		w.bown = make([]float32, n)
	}
	w.growH16(&j.cfg, j)
}

// prepare makes sure n workers exist and the buffers fit p.job; it
// allocates only when the pool or a buffer has to grow.
func (p *workerPool) prepare(n int) {
	for len(p.workers) < n {
		w := &worker{id: len(p.workers)}
		if w.id > 0 {
			w.start = make(chan struct{}, 1)
			go w.loop(p)
		}
		p.workers = append(p.workers, w)
	}
	for _, w := range p.workers[:n] {
		w.grow(&p.job)
	}
	if !p.job.useOwnB() {
		p.team.grow(&p.job, n > 1)
	}
}

// loop is the body of a persistent worker goroutine.
func (w *worker) loop(p *workerPool) {
	for range w.start {
		p.job.run(w, &p.team)
		p.done.Done()
	}
}

// runParallel runs p.job on n workers (the caller is worker 0) and waits.
func (p *workerPool) runParallel(n int) {
	p.team.bar.reset(n)
	p.done.Add(n - 1)
	for _, w := range p.workers[1:n] {
		w.start <- struct{}{}
	}
	p.job.run(p.workers[0], &p.team)
	p.done.Wait()
}

// barrier is a reusable barrier for n goroutines: it spins briefly (the
// peers are usually microseconds behind) and then sleeps on a condition
// variable, so a descheduled peer does not burn the other core.
type barrier struct {
	n     int32
	count atomic.Int32
	gen   atomic.Uint32
	mu    sync.Mutex
	cond  sync.Cond
}

func (b *barrier) reset(n int) {
	b.n = int32(n)
	b.count.Store(0)
	if b.cond.L == nil {
		b.cond.L = &b.mu
	}
}

const barrierSpins = 2000

func (b *barrier) wait() {
	if b.n <= 1 {
		return
	}
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.mu.Lock()
		b.gen.Add(1)
		b.cond.Broadcast()
		b.mu.Unlock()
		return
	}
	for i := 0; i < barrierSpins; i++ {
		if b.gen.Load() != g {
			return
		}
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
	b.mu.Lock()
	for b.gen.Load() == g {
		b.cond.Wait()
	}
	b.mu.Unlock()
}
