// Device memory: one allocation made at start (the arena), sub-allocated
// here in pure Go. Blocks are 256-byte aligned, first fit, coalesced on
// free. A tensor's storage returns its block when the garbage collector
// finds it unreachable; since every command runs in order on one stream,
// work queued before the free still finishes before any later owner of the
// block touches it.

package cuda

import (
	"fmt"
	"sort"
	"sync"
)

const arenaAlign = 256

type span struct{ off, size int64 }

type arena struct {
	mu   sync.Mutex
	base uint64
	size int64
	free []span // sorted by offset, never adjacent
	used int64
	peak int64
}

func newArena(base uint64, size int64) *arena {
	size &^= arenaAlign - 1
	return &arena{base: base, size: size, free: []span{{0, size}}}
}

// alloc returns the device address of nbytes (rounded up to the alignment).
func (a *arena) alloc(nbytes int64) (uint64, int64, error) {
	n := max((nbytes+arenaAlign-1)&^(arenaAlign-1), arenaAlign)
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, s := range a.free {
		if s.size < n {
			continue
		}
		if s.size == n {
			a.free = append(a.free[:i], a.free[i+1:]...)
		} else {
			a.free[i] = span{s.off + n, s.size - n}
		}
		a.used += n
		a.peak = max(a.peak, a.used)
		return a.base + uint64(s.off), n, nil
	}
	return 0, 0, fmt.Errorf("cuda: out of device memory: %d bytes asked, %d of %d in use (arena)", nbytes, a.used, a.size)
}

// release returns a block from alloc.
func (a *arena) release(addr uint64, n int64) {
	off := int64(addr - a.base)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.used -= n
	i := sort.Search(len(a.free), func(i int) bool { return a.free[i].off > off })
	a.free = append(a.free, span{})
	copy(a.free[i+1:], a.free[i:])
	a.free[i] = span{off, n}
	if i+1 < len(a.free) && a.free[i].off+a.free[i].size == a.free[i+1].off { // merge right
		a.free[i].size += a.free[i+1].size
		a.free = append(a.free[:i+1], a.free[i+2:]...)
	}
	if i > 0 && a.free[i-1].off+a.free[i-1].size == a.free[i].off { // merge left
		a.free[i-1].size += a.free[i].size
		a.free = append(a.free[:i], a.free[i+1:]...)
	}
}

// stats returns the bytes in use now and at most so far.
func (a *arena) stats() (used, peak int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.used, a.peak
}
