//go:build !unix

// Process CPU time: not measured here.

package main

// processCPUSeconds returns 0: no CPU-time figure on this platform.
func processCPUSeconds() float64 { return 0 }
