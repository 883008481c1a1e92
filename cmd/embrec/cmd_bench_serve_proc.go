// bench serve's server under test: this binary's `embrec serve` in a child
// process on a loopback port (the default: its CPU time and memory are
// its own, read from /proc), or the service inside the bench's process
// (--in-process; figures then include the load generator).

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"embrec/train/serve"
)

// lockedLog keeps a child's stderr for error messages.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) add(line string) {
	l.mu.Lock()
	l.b.WriteString(line + "\n")
	l.mu.Unlock()
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// benchServer is the service a bench drives.
type benchServer struct {
	addr string
	cpu  func() time.Duration // CPU time so far
	rss  func() uint64        // resident (child) or heap-in-use (in process) bytes now
	what string               // "child process PID" or "in process"
	stop func() error         // graceful stop; nil error means it exited cleanly
}

// spawnServer starts `embrec serve` on 127.0.0.1 with args and waits until
// /healthz answers 200.
func spawnServer(args []string) (*benchServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addrc := make(chan string, 1)
	var log lockedLog
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			line := sc.Text()
			log.add(line)
			if _, rest, ok := strings.Cut(line, "listening on http://"); ok {
				addrc <- strings.Fields(rest)[0]
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		return nil, fmt.Errorf("embrec serve exited before listening (%v):\n%s", err, log.String())
	}
	probe := serve.NewClient(addr)
	defer probe.Close()
	for {
		if code, _, err := probe.Do(context.Background(), "GET", "/healthz", nil); err == nil && code == 200 {
			break
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("embrec serve exited while loading (%v):\n%s", err, log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	pid := cmd.Process.Pid
	return &benchServer{
		addr: addr, what: fmt.Sprintf("child process %d", pid),
		cpu: func() time.Duration { return procCPU(pid) },
		rss: func() uint64 { return procStatusKB(pid, "VmRSS:") * 1024 },
		stop: func() error {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-exited:
				if err != nil {
					return fmt.Errorf("embrec serve after SIGTERM: %v\n%s", err, log.String())
				}
				return nil
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				return fmt.Errorf("embrec serve still running a minute after SIGTERM")
			}
		},
	}, nil
}

// inProcessServer runs serveRun on a loopback port inside this process.
func inProcessServer(sf serveFlags, dev deviceFlags, dir string) (*benchServer, error) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- serveRun(ctx, dir, "127.0.0.1:0", sf, dev, io.Discard, func(a string) { ready <- a })
	}()
	select {
	case addr := <-ready:
		return &benchServer{addr: addr, what: "in process (figures include the load generator)", cpu: cpuTime,
			rss: func() uint64 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				return ms.HeapInuse
			},
			stop: func() error { cancel(); return <-served }}, nil
	case err := <-served:
		cancel()
		return nil, err
	}
}

// procCPU is a process's user+system CPU time from /proc/PID/stat (0
// without /proc).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // fields from 3 (state) on
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	const ticks = 100                        // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks
}

// procStatusKB reads a kB field (VmRSS:, VmHWM:) of /proc/PID/status.
func procStatusKB(pid int, key string) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				v, _ := strconv.ParseUint(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}
