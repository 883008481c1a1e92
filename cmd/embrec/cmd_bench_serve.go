// bench serve: a rerunnable load test of embrec serve. It starts the
// service (a child `embrec serve`, or in this process) on a loopback port
// (never another host), drives it closed-loop at each --concurrency for
// --duration, then open-loop at --overload times the best throughput, and
// prints throughput, latency percentiles, answers by status, batch sizes,
// the server's CPU per request and its memory through the overload.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"embrec/train"
	"embrec/train/serve"
)

func init() {
	registerBench(&benchCommand{
		name: "serve",
		summary: "load-test embrec serve on loopback: closed loop at each concurrency (throughput, p50/p95/p99), " +
			"then an open-loop overload (answers by status, heap peak)",
		usage: "serve --run DIR [--concurrency 1,8,64] [--duration 10s] [--overload 10] [--overload-duration 10s]\n" +
			"            [--max-batch 32] [--max-wait 2ms] [--queue 256] [--timeout 30s] [--workers 1] [--threads N]",
		run: runBenchServe,
	})
}

func runBenchServe(fs *flag.FlagSet, args []string, out io.Writer) error {
	dir := fs.String("run", "", "run directory written by embrec train (required)")
	levels := fs.String("concurrency", "1,8,64", "closed-loop client counts, comma-separated")
	dur := fs.Duration("duration", 10*time.Second, "time at each concurrency")
	warm := fs.Duration("warmup", time.Second, "untimed closed-loop load at the largest concurrency first")
	over := fs.Float64("overload", 10, "open-loop rate as a multiple of the best closed-loop throughput (0: no overload run)")
	overDur := fs.Duration("overload-duration", 10*time.Second, "length of the overload run")
	maxOut := fs.Int("max-outstanding", 20000, "overload: requests awaiting an answer at most (client side)")
	cpuProf := fs.String("cpuprofile", "", "write a CPU profile of the closed-loop runs (with --in-process: server and load generator) to this file")
	inProc := fs.Bool("in-process", false, "run the service inside this process instead of as a child `embrec serve` (CPU and memory figures then include the load generator)")
	sf := addServeFlags(fs)
	dev := addDeviceFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--run DIR is required")
	}
	var concs []int
	for _, s := range strings.Split(*levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 {
			return fmt.Errorf("--concurrency %q: want positive integers, comma-separated", *levels)
		}
		concs = append(concs, c)
	}
	ctx := context.Background()
	var srv *benchServer
	var err error
	if *inProc {
		srv, err = inProcessServer(sf, dev, *dir)
	} else {
		srv, err = spawnServer(append([]string{"--run", *dir}, serveArgs(fs)...))
	}
	if err != nil {
		return err
	}
	addr := srv.addr
	stopped := false
	defer func() {
		if !stopped {
			srv.stop()
		}
	}()
	users, err := benchUsers(*dir)
	if err != nil {
		return err
	}
	bodies := make([][]byte, len(users))
	for i, u := range users {
		bodies[i] = []byte(fmt.Sprintf(`{"user": %q, "k": 10}`, u))
	}
	const url = "/v1/recommend"
	client := serve.NewClient(addr)
	defer client.Close()
	scraper := serve.NewClient(addr) // /metrics, on connections of its own
	defer scraper.Close()
	fmt.Fprintf(out, "embrec bench serve: %s on %s, %d users; --max-batch %d --max-wait %v --queue %d --timeout %v --workers %d; %d CPUs; server: %s\n",
		*dir, addr, len(users), *sf.maxBatch, *sf.maxWait, *sf.queue, *sf.timeout, *sf.workers, runtime.NumCPU(), srv.what)
	if *warm > 0 {
		serve.ClosedLoop(ctx, client, url, bodies, concs[len(concs)-1], *warm)
	}
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	fmt.Fprintf(out, "\n| load | requests | errors | throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | mean batch | CPU ms/request |\n|---|---|---|---|---|---|---|---|---|\n")
	best := 0.0
	for _, c := range concs {
		b0, cpu0 := scrapeBatches(scraper), srv.cpu()
		r := serve.ClosedLoop(ctx, client, url, bodies, c, *dur)
		b1, cpu1 := scrapeBatches(scraper), srv.cpu()
		best = max(best, r.Throughput())
		fmt.Fprintf(out, "| closed loop, %d clients | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |\n", c, len(r.OK)+r.Errors(), r.Errors(),
			r.Throughput(), ms(serve.Percentile(r.OK, 50)), ms(serve.Percentile(r.OK, 95)), ms(serve.Percentile(r.OK, 99)), b1.mean(b0),
			ms(cpu1-cpu0)/float64(max(len(r.OK), 1)))
	}
	pprof.StopCPUProfile()
	if *over > 0 && best > 0 {
		rate := *over * best
		var peak heapPeak
		peak.start(scraper, srv.rss)
		// Connections refused over --max-conns close after their 503; Go's
		// client logs each one whose answer it reads as unsolicited.
		log.SetOutput(io.Discard)
		r := serve.OpenLoop(ctx, client, url, bodies, rate, *overDur, *maxOut)
		log.SetOutput(os.Stderr)
		heap0, heapMax, depthMax := peak.stop()
		fmt.Fprintf(out, "\noverload: open loop at %.0f req/s (%.0fx the best throughput) for %v\n", rate, *over, *overDur)
		fmt.Fprintf(out, "  answers by status: %v; no answer: %d; not sent (client cap %d): %d\n", r.ByStatus, r.Failed, *maxOut, r.Skipped)
		fmt.Fprintf(out, "  200: %.1f req/s, p50 %.1f ms, p99 %.1f ms; refused: p50 %.2f ms, p99 %.2f ms, slowest %.1f ms (--timeout %v)\n",
			r.Throughput(), ms(serve.Percentile(r.OK, 50)), ms(serve.Percentile(r.OK, 99)),
			ms(serve.Percentile(r.Refused, 50)), ms(serve.Percentile(r.Refused, 99)), ms(serve.Percentile(r.Refused, 100)), *sf.timeout)
		fmt.Fprintf(out, "  server memory (%s): %.1f MiB before, %.1f MiB at most; queue depth at most %d of %d\n",
			memWhat(*inProc), mib(heap0), mib(heapMax), depthMax, *sf.queue)
		fmt.Fprintf(out, "  server memory peak (MiB) in each second:")
		for _, b := range peak.perSecond {
			if b == 0 {
				fmt.Fprint(out, " -") // no sample that second (the sampler was starved)
				continue
			}
			fmt.Fprintf(out, " %.0f", mib(b))
		}
		fmt.Fprintln(out)
	}
	stopped = true
	if err := srv.stop(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nstop (SIGTERM to the child; cancel in process): clean exit\n")
	return nil
}

func memWhat(inProc bool) string {
	if inProc {
		return "Go heap in use, load generator included"
	}
	return "resident set"
}

// serveArgs are the serve flags set on bench serve's command line, for
// the child `embrec serve`.
func serveArgs(fs *flag.FlagSet) []string {
	var args []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "max-batch", "max-wait", "queue", "max-conns", "timeout", "max-body", "max-k", "template", "workers", "device", "threads":
			args = append(args, "--"+f.Name, f.Value.String())
		}
	})
	return args
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mib(b uint64) float64       { return float64(b) / (1 << 20) }

// benchUsers are the run's dataset users, the requests' users in turn.
func benchUsers(dir string) ([]string, error) {
	spec, err := train.LoadSpec(dir)
	if err != nil {
		return nil, err
	}
	d, err := train.LoadData(spec)
	if err != nil {
		return nil, err
	}
	return d.Users, nil
}

// batchStats are the batch-size histogram's sum and count.
type batchStats struct{ sum, count float64 }

func (b batchStats) mean(before batchStats) float64 {
	return (b.sum - before.sum) / max(b.count-before.count, 1)
}

func scrapeBatches(c *serve.Client) batchStats {
	m := scrapeMetrics(c)
	return batchStats{m["embrec_batch_size_sum"], m["embrec_batch_size_count"]}
}

// scrapeMetrics reads the unlabelled samples of /metrics.
func scrapeMetrics(c *serve.Client) map[string]float64 {
	out := map[string]float64{}
	code, body, err := c.Do(context.Background(), "GET", "/metrics", nil)
	if err != nil || code != 200 {
		return out
	}
	for _, line := range strings.Split(string(body), "\n") {
		if name, val, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") && !strings.Contains(name, "{") {
			if v, err := strconv.ParseFloat(val, 64); err == nil {
				out[name] = v
			}
		}
	}
	return out
}

// heapPeak samples the server's memory and queue depth until stopped.
type heapPeak struct {
	done           chan struct{}
	wg             sync.WaitGroup
	heap0, heapMax uint64
	depthMax       int
	perSecond      []uint64 // the heap's peak in each second
}

func (h *heapPeak) start(c *serve.Client, mem func() uint64) {
	h.heap0, h.heapMax = mem(), mem()
	h.done = make(chan struct{})
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		t0 := time.Now()
		for {
			select {
			case <-h.done:
				return
			case <-tick.C:
			}
			m := mem()
			h.heapMax = max(h.heapMax, m)
			sec := int(time.Since(t0) / time.Second)
			for len(h.perSecond) <= sec {
				h.perSecond = append(h.perSecond, 0)
			}
			h.perSecond[sec] = max(h.perSecond[sec], m)
			h.depthMax = max(h.depthMax, int(scrapeMetrics(c)["embrec_queue_depth"]))
		}
	}()
}

func (h *heapPeak) stop() (heap0, heapMax uint64, depthMax int) {
	close(h.done)
	h.wg.Wait()
	return h.heap0, h.heapMax, h.depthMax
}

// cpuTime is the process's CPU time so far (server and load generator
// together; processCPU, 0 where the platform has none).
func cpuTime() time.Duration {
	d, _ := processCPU()
	return d
}
