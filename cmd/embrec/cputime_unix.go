//go:build unix

// Process CPU time (user + system) for benchmarks on shared machines.

package main

import "syscall"

// processCPUSeconds returns the CPU time this process has used so far.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
