// Package memplan checks a planned allocation against the memory the
// machine has before it is made, so that a size given on the command line
// (factors, batch) fails with an error naming it instead of a runtime crash
// or the kernel's OOM killer.
package memplan

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"os"
)

// Mul returns the product of ns, saturating at math.MaxUint64 (and 0 for a
// negative factor), so a plan never overflows into a small number.
func Mul(ns ...int) uint64 {
	p := uint64(1)
	for _, n := range ns {
		if n < 0 {
			return 0
		}
		hi, lo := bits.Mul64(p, uint64(n))
		if hi != 0 {
			return math.MaxUint64
		}
		p = lo
	}
	return p
}

// Add returns the sum of ns, saturating at math.MaxUint64.
func Add(ns ...uint64) uint64 {
	s := uint64(0)
	for _, n := range ns {
		var c uint64
		if s, c = bits.Add64(s, n, 0); c != 0 {
			return math.MaxUint64
		}
	}
	return s
}

// Available returns the memory available to a new allocation: limit
// when it is non-zero (a budget the caller was given, e.g. for sharing a
// machine with other jobs), else MemAvailable of /proc/meminfo (Linux);
// ok is false where neither is known.
func Available(limit uint64) (uint64, bool) {
	if limit > 0 {
		return limit, true
	}
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var kb uint64
		if n, _ := fmt.Sscanf(sc.Text(), "MemAvailable: %d kB", &kb); n == 1 {
			return kb * 1024, true
		}
	}
	return 0, false
}

// Check returns an error naming what when need bytes exceed the available
// memory (Available(limit)); where that is unknown it only refuses needs
// above 1<<48 bytes.
func Check(what string, need, limit uint64) error {
	avail, ok := Available(limit)
	if !ok {
		avail = 1 << 48
	}
	if need > avail {
		return fmt.Errorf("%s needs %s of memory, %s is available", what, Human(need), Human(avail))
	}
	return nil
}

// Human formats a byte count (1.5 GiB).
func Human(n uint64) string {
	if n == math.MaxUint64 {
		return "more than 16 EiB"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), 0
	for f >= unit && i < 6 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGTPE"[i-1])
}
