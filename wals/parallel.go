// parallel.go: a fixed split of rows into blocks, run on a pool of
// goroutines. Which goroutine runs a block never changes a result.

package wals

import (
	"sync"
	"sync/atomic"
)

// blockRows is the number of rows per work block. It is a constant (not a
// function of the thread count) so that block-wise reductions are the same
// for every thread count.
const blockRows = 256

func numBlocks(n int) int { return (n + blockRows - 1) / blockRows }

// forBlocks calls fn(worker, block, lo, hi) for every block of [0, n) on
// `threads` goroutines. worker is in [0, threads) and indexes per-goroutine
// scratch space.
func forBlocks(n, threads int, fn func(worker, block, lo, hi int)) {
	nb := numBlocks(n)
	if threads > nb {
		threads = nb
	}
	if threads <= 1 {
		for b := 0; b < nb; b++ {
			fn(0, b, b*blockRows, min(n, (b+1)*blockRows))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				b := int(next.Add(1) - 1)
				if b >= nb {
					return
				}
				fn(w, b, b*blockRows, min(n, (b+1)*blockRows))
			}
		}(w)
	}
	wg.Wait()
}
