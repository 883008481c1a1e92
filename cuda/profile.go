// Kernel profile: with Options.Profile (or EMBREC_CUDA_PROFILE=1) every
// launch is bracketed by two CUDA events recorded in the command stream,
// so the GPU time of each kernel is measured where it runs, without
// synchronising between launches. Sync and Close harvest the pairs into
// per-kernel totals; Profile returns them and WriteProfile prints them.

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

// profiler holds the event pairs not yet harvested and the totals.
type profiler struct {
	pending []profPair
	totals  map[string]*KernelTime
}

type profPair struct {
	name       string
	start, end uint64
}

// profileHarvestAt bounds the pending pairs: past it, the next launch
// synchronises and harvests (CUDA events are small but not free).
const profileHarvestAt = 8192

// profiledLaunch records start and end events around the launch that
// record appends.
func (b *Backend) profiledLaunch(name string, record func()) {
	if len(b.prof.pending) >= profileHarvestAt {
		if err := b.Sync(); err != nil {
			panic(err)
		}
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
	b.prof.pending = append(b.prof.pending, profPair{name, start, end})
}

// harvest adds the completed pairs to the totals (after a wait).
func (p *profiler) harvest(d device) error {
	if p.totals == nil {
		p.totals = map[string]*KernelTime{}
	}
	for i, e := range p.pending {
		ms, err := d.elapsed(e.start, e.end)
		if err != nil {
			p.pending = p.pending[i+1:]
			return fmt.Errorf("cuda: profile of %s: %w", e.name, err)
		}
		k := p.totals[e.name]
		if k == nil {
			k = &KernelTime{Name: e.name}
			p.totals[e.name] = k
		}
		k.Launches++
		k.Ms += ms
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
	if err := b.Sync(); err != nil {
		panic(err)
	}
	out := make([]KernelTime, 0, len(b.prof.totals))
	for _, k := range b.prof.totals {
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
	b.prof.totals = nil
}

// WriteProfile prints the profile as a table: kernel, launches, total ms,
// share of the total, mean microseconds per launch.
func (b *Backend) WriteProfile(w io.Writer) {
	ks := b.Profile()
	var total float64
	for _, k := range ks {
		total += k.Ms
	}
	fmt.Fprintf(w, "%-28s %9s %10s %6s %10s\n", "kernel", "launches", "GPU ms", "share", "us/launch")
	for _, k := range ks {
		fmt.Fprintf(w, "%-28s %9d %10.2f %5.1f%% %10.1f\n", k.Name, k.Launches, k.Ms, 100*k.Ms/max(total, 1e-9),
			1e3*k.Ms/float64(k.Launches))
	}
	fmt.Fprintf(w, "%-28s %9s %10.2f\n", "total", "", total)
}
