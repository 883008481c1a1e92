// Kernel profile: with Options.Profile every
// launch is bracketed by two CUDA events recorded in the command stream,
// so the GPU time of each kernel is measured where it runs, without
// synchronising between launches. Sync and Close harvest the pairs into
// per-kernel totals; Profile returns them and WriteProfile prints them.
// With Options.ProfileGrids the totals are
// also kept per kernel and launch grid (ProfileByGrid), which tells apart
// the products of one GEMM kernel at different shapes.

package cuda

import (
	"fmt"
	"io"
	"sort"
)

// KernelTime is the measured GPU time of one kernel.
type KernelTime struct {
	Name     string
	Launches int
	Ms       float64 // total GPU milliseconds
}

// profiler holds the event pairs not yet harvested and the totals (per
// kernel; per kernel and grid when byGrid).
type profiler struct {
	pending []profPair
	totals  map[string]*KernelTime
	byGrid  bool
	grids   map[string]*KernelTime
}

type profPair struct {
	name       string
	grid       [3]int
	start, end uint64
}

// gridName is a per-grid profile entry's name: kernel<x,y,z>.
func gridName(name string, g [3]int) string {
	return fmt.Sprintf("%s<%d,%d,%d>", name, g[0], g[1], g[2])
}

// profileHarvestAt bounds the pending pairs: past it, the next launch
// synchronises and harvests (CUDA events are small but not free).
const profileHarvestAt = 8192

// profiledLaunch records start and end events around the launch that
// record appends.
func (b *Backend) profiledLaunch(name string, grid [3]int, record func()) {
	if len(b.prof.pending) >= profileHarvestAt {
		if err := b.Sync(); err != nil {
			panic(err)
		}
	}
	// The three commands go in one batch: a batch handed over after the
	// start event would leave the GPU waiting, between the events, for the
	// host to record the next batch, and count that wait as the kernel's
	// time, at the same place in every step since each step's Sync
	// restarts the batches (what runs 11 and 12 measured of it:
	// results/README.md).
	if b.launches > 0 && b.launches+3 > b.batchMax {
		b.flush()
	}
	start, err := b.dev.newEvent()
	if err != nil {
		panic(err)
	}
	end, err := b.dev.newEvent()
	if err != nil {
		panic(err)
	}
	b.record(opRecord, start)
	record()
	b.record(opRecord, end)
	b.prof.pending = append(b.prof.pending, profPair{name, grid, start, end})
}

// harvest adds the completed pairs to the totals (after a wait).
func (p *profiler) harvest(d device) error {
	if p.totals == nil {
		p.totals, p.grids = map[string]*KernelTime{}, map[string]*KernelTime{}
	}
	add := func(m map[string]*KernelTime, name string, ms float64) {
		k := m[name]
		if k == nil {
			k = &KernelTime{Name: name}
			m[name] = k
		}
		k.Launches++
		k.Ms += ms
	}
	for i, e := range p.pending {
		ms, err := d.elapsed(e.start, e.end)
		if err != nil {
			p.pending = p.pending[i+1:]
			return fmt.Errorf("cuda: profile of %s: %w", e.name, err)
		}
		add(p.totals, e.name, ms)
		if p.byGrid {
			add(p.grids, gridName(e.name, e.grid), ms)
		}
	}
	p.pending = p.pending[:0]
	return nil
}

// Profile returns the per-kernel GPU time since New or ResetProfile,
// largest first (nil without Options.Profile). It waits for queued work.
func (b *Backend) Profile() []KernelTime {
	if b.prof == nil {
		return nil
	}
	return b.sortedProfile(false)
}

// ProfileByGrid is Profile per kernel and launch grid, each named
// kernel<x,y,z> (nil without Options.ProfileGrids).
func (b *Backend) ProfileByGrid() []KernelTime {
	if b.prof == nil || !b.prof.byGrid {
		return nil
	}
	return b.sortedProfile(true)
}

// sortedProfile waits for queued work (harvesting it) and returns the
// totals per kernel, or per kernel and grid, largest first.
func (b *Backend) sortedProfile(byGrid bool) []KernelTime {
	if err := b.Sync(); err != nil {
		panic(err)
	}
	m := b.prof.totals
	if byGrid {
		m = b.prof.grids
	}
	out := make([]KernelTime, 0, len(m))
	for _, k := range m {
		out = append(out, *k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Ms != out[j].Ms {
			return out[i].Ms > out[j].Ms
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// ResetProfile clears the totals (e.g. after warm-up).
func (b *Backend) ResetProfile() {
	if b.prof == nil {
		return
	}
	if err := b.Sync(); err != nil {
		panic(err)
	}
	b.prof.totals, b.prof.grids = nil, nil
}

// WriteProfile prints the profile as a table: kernel, launches, total ms,
// share of the total, mean microseconds per launch; with
// Options.ProfileGrids, then the same per kernel and launch grid.
func (b *Backend) WriteProfile(w io.Writer) {
	writeProfileTable(w, "kernel", b.Profile())
	if ks := b.ProfileByGrid(); ks != nil {
		fmt.Fprintln(w, "# the same per kernel and launch grid <x,y,z>:")
		writeProfileTable(w, "kernel<grid>", ks)
	}
}

func writeProfileTable(w io.Writer, title string, ks []KernelTime) {
	var total float64
	width := 28
	for _, k := range ks {
		total += k.Ms
		width = max(width, len(k.Name))
	}
	fmt.Fprintf(w, "%-*s %9s %10s %6s %10s\n", width, title, "launches", "GPU ms", "share", "us/launch")
	for _, k := range ks {
		fmt.Fprintf(w, "%-*s %9d %10.2f %5.1f%% %10.1f\n", width, k.Name, k.Launches, k.Ms, 100*k.Ms/max(total, 1e-9),
			1e3*k.Ms/float64(k.Launches))
	}
	fmt.Fprintf(w, "%-*s %9s %10.2f\n", width, "total", "", total)
}
