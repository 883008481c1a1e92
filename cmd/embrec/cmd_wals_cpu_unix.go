// cmd_wals_cpu_unix.go: process CPU time for `embrec wals --repeat`, which
// stays meaningful when other processes share the cores (wall time does not).

//go:build unix

package main

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time of this process so far.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
