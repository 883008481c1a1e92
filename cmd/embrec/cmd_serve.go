// The serve command: flags mapped onto train/serve's options, the HTTP
// server on --addr, the model loaded behind /healthz, and a graceful stop
// on SIGINT/SIGTERM (stop accepting, finish in-flight requests, exit 0).

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"embrec/train"
	"embrec/train/serve"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "serve a trained run over HTTP: POST /v1/recommend with batched beam search, /healthz, /v1/info, /metrics",
		usage: "serve --run DIR [--addr 127.0.0.1:8080] [--max-batch 32] [--max-wait 2ms] [--queue 256] [--max-conns 1024]\n" +
			"            [--timeout 30s] [--max-body 65536] [--max-k 100] [--template seen:0] [--workers 1] [--device cpu|cuda] [--threads N]\n\n" +
			"POST /v1/recommend takes {\"user\": \"1\", \"k\": 10} (the user's own sequence as the history, as\n" +
			"recommend does) or {\"user\": \"1\", \"history\": [\"1001\", \"1002\"], \"k\": 10} (newest last), with optional\n" +
			"\"exclude_seen\": true and \"task\": \"sequential\"|\"straightforward\", and answers\n" +
			"{\"user\": \"1\", \"items\": [{\"item\": \"...\", \"score\": -6.35}, ...]}, best first, the same items and scores as\n" +
			"embrec recommend. Concurrent requests are decoded together (up to --max-batch, waiting at most\n" +
			"--max-wait for a batch to grow) behind a queue of --queue requests; a full queue answers 503, and so\n" +
			"does a connection over --max-conns (closed at once, so memory stays bounded under overload).\n" +
			"--workers N loads the run N times and decodes N batches at once (CPU: each replica holds its own\n" +
			"copy of the weights; under load one batch decodes while another gathers, so the cores stay busy).\n" +
			"Errors are JSON {\"error\": \"...\"}. SIGINT/SIGTERM stop accepting, finish in-flight requests, exit 0.",
		run: runServe,
	})
}

// serveFlags are the flags of serve (and of bench serve's service).
type serveFlags struct {
	maxBatch, queue, maxK *int
	workers               *int
	maxConns              *int
	maxWait, timeout      *time.Duration
	maxBody               *int64
	template              *string
}

func addServeFlags(fs *flag.FlagSet) serveFlags {
	return serveFlags{
		maxBatch: fs.Int("max-batch", 32, "requests decoded together in one batched beam search at most"),
		maxWait:  fs.Duration("max-wait", 2*time.Millisecond, "longest wait for a batch to grow to the size of the last 8 batches (requests one at a time never wait)"),
		queue:    fs.Int("queue", 256, "requests waiting for a batch at most; more are answered 503"),
		workers:  fs.Int("workers", 1, "replicas of the run decoding batches at the same time (CPU only; each holds its own weights)"),
		maxConns: fs.Int("max-conns", 1024, "open connections at most; a connection over it is answered 503 and closed at once (bounds memory under overload)"),
		timeout:  fs.Duration("timeout", 30*time.Second, "a request's deadline, queueing included (503 after it)"),
		maxBody:  fs.Int64("max-body", 64<<10, "request body bytes at most (413 above)"),
		maxK:     fs.Int("max-k", 100, "largest k a request may ask"),
		template: fs.String("template", "seen:0", "prompt template: seen:0 (OpenP5's evaluation) or unseen:0"),
	}
}

func (f serveFlags) options() (serve.EngineOptions, serve.BatchOptions, serve.ServerOptions, error) {
	if *f.maxBatch < 1 || *f.queue < 1 || *f.maxConns < 1 || *f.maxK < 1 || *f.maxBody < 1 || *f.timeout <= 0 || *f.maxWait < 0 || *f.workers < 1 {
		return serve.EngineOptions{}, serve.BatchOptions{}, serve.ServerOptions{}, fmt.Errorf(
			"--max-batch %d, --queue %d, --max-conns %d, --max-k %d, --max-body %d, --timeout %v, --max-wait %v, --workers %d: want positive values (--max-wait may be 0)",
			*f.maxBatch, *f.queue, *f.maxConns, *f.maxK, *f.maxBody, *f.timeout, *f.maxWait, *f.workers)
	}
	return serve.EngineOptions{Template: *f.template, MaxK: *f.maxK},
		serve.BatchOptions{MaxBatch: *f.maxBatch, MaxWait: *f.maxWait, Queue: *f.queue},
		serve.ServerOptions{Timeout: *f.timeout, MaxBody: *f.maxBody}, nil
}

func runServe(fs *flag.FlagSet, args []string) error {
	dir := fs.String("run", "", "run directory written by embrec train (required)")
	addr := fs.String("addr", "127.0.0.1:8080", "host:port to listen on")
	sf := addServeFlags(fs)
	dev := addDeviceFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--run DIR is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveRun(ctx, *dir, *addr, sf, dev, os.Stderr, nil)
}

// serveRun listens on addr, loads the run, serves until ctx ends, then
// shuts down gracefully. ready, when set, gets the listening address once
// the model is loaded.
func serveRun(ctx context.Context, dir, addr string, sf serveFlags, dev deviceFlags, log io.Writer, ready func(addr string)) error {
	eo, bo, so, err := sf.options()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", addr, err)
	}
	var loaded atomic.Pointer[serve.Batcher] // nil while loading
	m := serve.NewMetrics(func() int {
		if lb := loaded.Load(); lb != nil {
			return lb.QueueDepth()
		}
		return 0
	})
	s := serve.NewServer(so, m)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	lim := serve.LimitListener(ln, *sf.maxConns, m.ConnRefused)
	go func() { served <- serve.Serve(sctx, lim, s, loaded.Load, *sf.timeout+5*time.Second) }()
	fmt.Fprintf(log, "embrec serve: listening on http://%s (loading %s)\n", ln.Addr(), dir)

	if *sf.workers > 1 && *dev.device != "cpu" {
		err = fmt.Errorf("--workers %d: replicas are for the CPU backend (--device %s decodes one batch at a time)", *sf.workers, *dev.device)
	}
	var built *train.Built
	var backend string
	var engines []*serve.Engine
	for i := 0; err == nil && i < *sf.workers; i++ {
		if built, backend, err = loadServed(dir, dev, log); err != nil {
			break
		}
		var e *serve.Engine
		if e, err = serve.NewEngine(built, eo); err == nil {
			engines = append(engines, e)
		}
	}
	if err == nil {
		b := serve.NewBatcher(engines, bo, m)
		loaded.Store(b)
		s.Ready(b, servedInfo(built, dir, backend, *sf.template))
	}
	if err != nil {
		cancel()
		<-served
		return err
	}
	fmt.Fprintf(log, "embrec serve: ready: %d users, %d items, tasks %v, %d worker(s)\n", built.Data.NumUsers(), built.Data.NumItems(), built.Spec.Tasks(), len(engines))
	if ready != nil {
		ready(ln.Addr().String())
	}
	err = <-served
	if err == nil {
		fmt.Fprintln(log, "embrec serve: stopped after finishing the requests in flight")
	}
	return err
}

func loadServed(dir string, dev deviceFlags, log io.Writer) (*train.Built, string, error) {
	b, err := dev.backend()
	if err != nil {
		return nil, "", err
	}
	built, err := train.LoadRun(dir, b, log)
	return built, b.Name(), err
}

// servedInfo is what /v1/info reports of a run.
func servedInfo(built *train.Built, dir, device, template string) serve.Info {
	sp, c := built.Spec, built.Rec.LLM.Config
	backbone := sp.Model
	if sp.Init == "random" {
		backbone = "random " + sp.Config
	}
	backbone += fmt.Sprintf(" (C=%d, L=%d, NH=%d, V=%d)", c.Hidden, c.Layers, c.Heads, c.Vocab)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return serve.Info{Dataset: built.Data.Name, Users: built.Data.NumUsers(), Items: built.Data.NumItems(),
		Backbone: backbone, Tasks: sp.Tasks(), Template: template, Run: dir, Device: device, Version: embrecVersion()}
}

// embrecVersion is the module version and the commit the binary was
// built from (buildCommit, shortened).
func embrecVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if c := buildCommit(); c != "unknown" {
		rev, dirty := strings.CutSuffix(c, "+dirty")
		v += " " + rev[:min(12, len(rev))]
		if dirty {
			v += "+dirty"
		}
	}
	return v
}
