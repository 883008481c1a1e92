// cmd_wals_cpu_other.go: no process CPU time where getrusage is missing.

//go:build !unix

package main

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
