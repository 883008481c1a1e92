package cuda

import (
	"bytes"
	"strings"
	"testing"

	"embrec/tensor"
)

// TestProfileCountsEveryLaunch: in profile mode every launch the device
// runs is bracketed by events and counted under its kernel's name, the
// table lists them, and ResetProfile clears the totals.
func TestProfileCountsEveryLaunch(t *testing.T) {
	f := newFake(t, 64<<20)
	b, err := newBackend(f, Options{Profile: true, BatchLaunches: 5})
	if err != nil {
		t.Fatal(err)
	}
	x, y := b.New(tensor.F32, 1000), b.New(tensor.F32, 1000)
	w := b.New(tensor.F32, 10)
	before := map[string]int{}
	for k, v := range f.launched {
		before[k] = v
	}
	for range 7 {
		b.Add(y, x, y)
		b.Scale(x, 0.5)
		b.RMSNormForward(x.Reshape(100, 10), b.New(tensor.F32, 100), y.Reshape(100, 10), w, 1e-6)
	}
	ks := b.Profile()
	got := map[string]int{}
	for _, k := range ks {
		got[k.Name] = k.Launches
	}
	if len(got) == 0 {
		t.Fatal("empty profile")
	}
	for name, n := range f.launched {
		if d := n - before[name]; d != got[name] {
			t.Errorf("%s: device ran %d launches, profile counted %d", name, d, got[name])
		}
	}
	var buf bytes.Buffer
	b.WriteProfile(&buf)
	for name := range got {
		if !strings.Contains(buf.String(), name) {
			t.Errorf("table lacks %s:\n%s", name, buf.String())
		}
	}
	b.ResetProfile()
	if ks := b.Profile(); len(ks) != 0 {
		t.Errorf("after ResetProfile: %v", ks)
	}
	plain, _ := newFakeBackend(t)
	if plain.Profile() != nil {
		t.Errorf("profile without Options.Profile")
	}
}

// TestProfileByGrid: with Options.ProfileGrids the totals are also kept
// per kernel and launch grid, their launches adding up to the kernel's,
// and the table prints both; a bad EMBREC_CUDA_PROFILE is an error.
func TestProfileByGrid(t *testing.T) {
	b, err := newBackend(newFake(t, 64<<20), Options{ProfileGrids: true})
	if err != nil {
		t.Fatal(err)
	}
	small, large := b.New(tensor.F32, 1000), b.New(tensor.F32, 100000)
	for range 3 {
		b.Scale(small, 0.5)
		b.Scale(large, 0.5)
	}
	b.Scale(large, 2)
	byGrid := map[string]int{}
	for _, k := range b.ProfileByGrid() {
		byGrid[k.Name] = k.Launches
	}
	gs, gl := gridName("scale_f32", ewGrid(1000)), gridName("scale_f32", ewGrid(100000))
	if len(byGrid) != 2 || byGrid[gs] != 3 || byGrid[gl] != 4 {
		t.Errorf("per grid %v, want %s: 3, %s: 4", byGrid, gs, gl)
	}
	if n := launchesOf(b, "scale_f32"); n != 7 {
		t.Errorf("per kernel: %d launches of scale_f32, want 7", n)
	}
	var buf bytes.Buffer
	b.WriteProfile(&buf)
	if !strings.Contains(buf.String(), gs) || !strings.Contains(buf.String(), gl) {
		t.Errorf("table lacks the grids:\n%s", buf.String())
	}
	plain, _ := newBackend(newFake(t, 64<<20), Options{Profile: true})
	if plain.ProfileByGrid() != nil {
		t.Error("per-grid totals without ProfileGrids")
	}
}

// TestProfilePairsInOneBatch: in profile mode each launch goes to the
// device in the same batch as its two events, whatever the batch size, so
// that no wait for the host's next batch falls between them.
func TestProfilePairsInOneBatch(t *testing.T) {
	for _, batch := range []int{3, 4, 5, 64} {
		f := newFake(t, 64<<20)
		f.keepOps = true
		b, err := newBackend(f, Options{Profile: true, BatchLaunches: batch})
		if err != nil {
			t.Fatal(err)
		}
		x := b.New(tensor.F32, 1000)
		for i := range 50 {
			b.Scale(x, 0.5)
			if i%7 == 0 {
				b.Upload(x, make([]float32, 1000)) // a command that is no launch, shifting the batches
			}
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		launches := 0
		for n, ops := range f.batches {
			for i, op := range ops {
				if op != opLaunch {
					continue
				}
				launches++
				if i == 0 || i == len(ops)-1 || ops[i-1] != opRecord || ops[i+1] != opRecord {
					t.Errorf("batch size %d: batch %d, command %d of %d: a launch without both its events in the batch",
						batch, n, i, len(ops))
				}
			}
		}
		if launches < 50 {
			t.Errorf("batch size %d: %d launches seen, want at least 50", batch, launches)
		}
	}
}
