// CPU-side tests of the Backend's Go half, without a GPU: a fake device
// keeps host memory for the arena and checks every recorded command (kernel
// known, parameter count, launch limits, addresses inside the arena) while
// every op runs on the shapes the conformance suite uses. Kernels do not
// execute here; their results are checked on the host-compiled kernels
// (host_test.go) and on a GPU (scripts/gpu-check.sh).

package cuda

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"embrec/kernels"
	"embrec/tensor"
)

const fakeBase = 1 << 40

type fakeDevice struct {
	t        *testing.T
	mem      []byte
	fns      map[uint64]string
	handles  map[string]uint64
	sigs     map[string]string
	launched map[string]int
	smem     map[string]int // dynamic shared memory allowed above 48 KiB, as the real device sets it
	events   uint64
	cc       int        // compute capability it reports (90: an H100 or H200)
	refuse   string     // a module whose kernels report errModuleSkipped, as a driver that refused it
	batches  [][]uint64 // with keepOps: each submitted batch's opcodes, in order
	keepOps  bool
}

func newFake(t *testing.T, size int) *fakeDevice {
	sigs, err := signatures()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeDevice{t: t, mem: make([]byte, size), fns: map[uint64]string{}, handles: map[string]uint64{},
		sigs: sigs, launched: map[string]int{}, smem: dynamicSmem(), cc: 90}
	for i, k := range kernels.Table {
		f.handles[k.Name] = uint64(0x1000 + i)
		f.fns[uint64(0x1000+i)] = k.Name
	}
	return f
}

func (f *fakeDevice) describe() (string, int64, int, int) {
	return "fake", int64(len(f.mem)), f.cc, 132
}
func (f *fakeDevice) arena() (uint64, int64)              { return fakeBase, int64(len(f.mem)) }
func (f *fakeDevice) wait() error                         { return nil }
func (f *fakeDevice) close() error                        { return nil }
func (f *fakeDevice) tensorMap(s tmaSpec) (tmaMap, error) { return emuTensorMap(s), nil }
func (f *fakeDevice) newEvent() (uint64, error)           { f.events++; return f.events, nil }
func (f *fakeDevice) elapsed(a, b uint64) (float64, error) {
	return 0, nil
}

func (f *fakeDevice) function(name string) (uint64, error) {
	if f.refuse != "" && kernels.ModuleOf(name) == f.refuse {
		return 0, fmt.Errorf("%w: JIT refused (fake)", errModuleSkipped)
	}
	h, ok := f.handles[name]
	if !ok {
		return 0, fmt.Errorf("no kernel %s", name)
	}
	return h, nil
}

// span checks [addr, addr+n) lies in the arena and returns it.
func (f *fakeDevice) span(what string, addr, n uint64) []byte {
	if addr < fakeBase || addr+n > fakeBase+uint64(len(f.mem)) {
		f.t.Fatalf("%s: [%#x, +%d) outside the arena", what, addr, n)
	}
	return f.mem[addr-fakeBase : addr-fakeBase+n]
}

func (f *fakeDevice) submit(c []uint64, done func()) {
	defer done()
	var ops []uint64
	defer func() {
		if f.keepOps {
			f.batches = append(f.batches, ops)
		}
	}()
	for i := 0; i < len(c); {
		ops = append(ops, c[i])
		switch c[i] {
		case opLaunch:
			name, ok := f.fns[c[i+1]]
			if !ok {
				f.t.Fatalf("launch of unknown function %#x", c[i+1])
			}
			np := int(c[i+9])
			if np != len(f.sigs[name]) {
				f.t.Fatalf("%s: %d parameters, PTX declares %d", name, np, len(f.sigs[name]))
			}
			g, b := c[i+2:i+5], c[i+5:i+8]
			if g[0] == 0 || g[1] == 0 || g[2] == 0 || g[1] > 65535 || g[2] > 65535 || b[0]*b[1]*b[2] > 1024 {
				f.t.Fatalf("%s: grid %v block %v", name, g, b)
			}
			if limit := max(f.smem[name], 48<<10); c[i+8] > uint64(limit) {
				f.t.Fatalf("%s: %d bytes of dynamic shared memory, limit %d", name, c[i+8], limit)
			}
			for k, p := range c[i+10 : i+10+np] {
				// A 64-bit parameter at or above the arena base is a pointer.
				if f.sigs[name][k] == 'q' && p >= fakeBase {
					f.span(fmt.Sprintf("%s parameter %d", name, k), p, 1)
				}
			}
			f.launched[name]++
			i += 10 + np
		case opUpload:
			n := c[i+2]
			words := c[i+3 : i+3+int((n+7)/8)]
			buf := make([]byte, 8*len(words))
			for k, w := range words {
				binary.LittleEndian.PutUint64(buf[8*k:], w)
			}
			copy(f.span("upload", c[i+1], n), buf[:n])
			i += 3 + len(words)
		case opMemset:
			clear(f.span("memset", c[i+1], c[i+2]))
			i += 3
		case opCopy:
			copy(f.span("copy dst", c[i+1], c[i+3]), f.span("copy src", c[i+2], c[i+3]))
			i += 4
		case opRecord:
			i += 2
		default:
			f.t.Fatalf("bad opcode %d at word %d", c[i], i)
		}
	}
}

func (f *fakeDevice) download(dst []byte, src uint64) error {
	copy(dst, f.span("download", src, uint64(len(dst))))
	return nil
}

func (f *fakeDevice) upload(dst uint64, src []byte) error {
	copy(f.span("upload", dst, uint64(len(src))), src)
	return nil
}

// cmdLen returns the words of the command at c[i] (see device.go), 0 for
// an unknown opcode.
func cmdLen(c []uint64, i int) int {
	switch c[i] {
	case opLaunch:
		return 10 + int(c[i+9])
	case opUpload:
		return 3 + int((c[i+2]+7)/8)
	case opMemset:
		return 3
	case opCopy:
		return 4
	case opRecord:
		return 2
	}
	return 0
}

func newFakeBackend(t *testing.T) (*Backend, *fakeDevice) {
	f := newFake(t, 256<<20)
	b, err := newBackend(f, Options{BatchLaunches: 7})
	if err != nil {
		t.Fatal(err)
	}
	return b, f
}

func TestTransfersAndConversions(t *testing.T) {
	b, _ := newFakeBackend(t)
	src := []float32{0, 1, -2, 3.5, float32(math.Pi)}
	for _, dt := range []tensor.DType{tensor.F32, tensor.F16, tensor.BF16} {
		x := b.New(dt, 2, 5).Row(1) // at an offset
		b.Upload(x, src)
		got := make([]float32, 5)
		b.Download(got, x)
		for i, v := range got {
			if math.Abs(float64(v-src[i])) > 0.01*math.Abs(float64(src[i])) {
				t.Errorf("%v: got %v, want %v", dt, got, src)
				break
			}
		}
		y := b.New(dt, 5)
		b.Copy(y, x) // same dtype: a device copy
		b.Download(got, y)
		if got[3] != 3.5 {
			t.Errorf("%v: Copy gave %v", dt, got)
		}
	}
	if b.SumSquares(b.New(tensor.F32, 1000)) != 0 {
		t.Error("SumSquares of zeros")
	}
}

// TestEveryOpLaunches runs every Backend op on odd and empty shapes and
// checks that each kernel of the table was launched with the parameter
// list its PTX declares.
func TestEveryOpLaunches(t *testing.T) {
	b, f := newFakeBackend(t)
	f32 := func(shape ...int) *tensor.Tensor { return b.New(tensor.F32, shape...) }
	for _, n := range []int{0, 1, 1000} {
		x, y, o := f32(n), f32(n), f32(n)
		b.Fill(o, 2)
		b.Fill(b.New(tensor.BF16, n), 1)
		b.Add(o, x, y)
		b.AddScaled(o, x, 0.5)
		b.Mul(o, x, y)
		b.Scale(o, 3)
		b.SumSquares(o)
		b.SwiGLUForward(o, x, y)
		b.SwiGLUBackward(o, y, x, x, y)
		gh, uh := b.New(tensor.BF16, n), b.New(tensor.BF16, n) // saved BF16 activations
		b.SwiGLUForward(o, gh, uh)
		b.SwiGLUBackward(o, y, x, gh, uh)
		oh, dh := b.New(tensor.BF16, n), b.New(tensor.BF16, n) // BF16 outputs: products' operands
		b.SwiGLUForward(oh, x, y)
		b.SwiGLUBackward(oh, dh, x, x, y)
		b.SwiGLUForward(oh, gh, uh)
		b.SwiGLUBackward(oh, dh, x, gh, uh)
		b.SwiGLUForwardSave(o, gh, uh, x, y)
		b.SwiGLUForwardSave(oh, gh, uh, x, y)
		b.GELUForward(o, x)
		b.GELUBackward(o, y, x)
		b.DropoutForward(o, y, x, 0.1, 7)
		b.DropoutBackward(o, y, x)
		b.AdamW(o, x, y, f32(n), tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1})
		for _, d1 := range []tensor.DType{tensor.F32, tensor.F16, tensor.BF16} {
			for _, d2 := range []tensor.DType{tensor.F32, tensor.F16, tensor.BF16} {
				b.Copy(b.New(d1, n), b.New(d2, n))
			}
		}
	}
	for _, sz := range [][2]int{{0, 3}, {5, 7}, {33, 130}} {
		N, C := sz[0], sz[1]
		b.AddBias(f32(N, C), f32(C))
		b.BiasBackward(f32(C), f32(N, C))
		b.RMSNormForward(f32(N, C), f32(N), f32(N, C), f32(C), 1e-5)
		b.RMSNormForwardCopy(f32(N, C), b.New(tensor.BF16, N, C), f32(N), f32(N, C), f32(C), 1e-5)
		b.RMSNormBackward(f32(N, C), f32(C), f32(N, C), f32(N, C), f32(C), f32(N))
		b.RMSNormBackward(f32(N, C), nil, f32(N, C), f32(N, C), f32(C), f32(N))
		b.RMSNormBackwardAdd(f32(N, C), b.New(tensor.BF16, N, C), f32(C), f32(N, C), f32(N, C), f32(C), f32(N))
		b.RMSNormBackwardAdd(f32(N, C), nil, nil, f32(N, C), f32(N, C), f32(C), f32(N))
		ids := make([]int32, N)
		for i := range ids {
			ids[i] = int32(i % 3)
		}
		b.EmbeddingForward(f32(N, C), f32(3, C), ids)
		b.EmbeddingForward(f32(N, C), b.New(tensor.BF16, 3, C), ids)
		b.EmbeddingBackward(f32(3, C), f32(N, C), ids)
		rows := []int32{2, 0}
		b.ScatterRows(f32(N+3, C), f32(2, C), rows)
		targets := make([]int32, N)
		for i := range targets {
			targets[i] = int32(i%C) - int32(i%2)*200
		}
		b.CrossEntropyForward(f32(N), f32(N, C), targets)
		b.CrossEntropyBackward(f32(N, C), f32(N, C), targets, 0.5)
	}
	for _, inter := range []bool{false, true} {
		cos, sin := tensor.RoPETable(b, 50, 8, 10000)
		pos := []int32{0, 49, 7}
		b.RoPEForward(f32(3, 24), f32(3, 24), cos, sin, pos, inter)
		b.RoPEBackward(f32(3, 24), f32(3, 24), cos, sin, pos, inter)
		b.RoPEBackwardCopy(f32(3, 24), b.New(tensor.BF16, 3, 24), f32(3, 24), cos, sin, pos, inter)
	}
	dts := []tensor.DType{tensor.F32, tensor.BF16}
	for _, variant := range GEMMBF16Variants() {
		b.gemmVariant = variant
		for _, sz := range [][3]int{{0, 3, 5}, {3, 5, 0}, {7, 13, 17}, {129, 5, 300}, {256, 128, 64}} {
			m, n, k := sz[0], sz[1], sz[2]
			for combo := 0; combo < 16; combo++ {
				ta, tb, da, db := combo&1 != 0, combo&2 != 0, dts[combo>>2&1], dts[combo>>3]
				ash, bsh := []int{m, k}, []int{k, n}
				if ta {
					ash = []int{k, m}
				}
				if tb {
					bsh = []int{n, k}
				}
				b.MatMul(f32(m, n), b.New(da, ash...), b.New(db, bsh...), ta, tb, float32(combo%2))
				b.MatMul(f32(3, m, n), b.New(da, append([]int{3}, ash...)...), b.New(db, append([]int{3}, bsh...)...), ta, tb, 0)
			}
		}
	}
	for _, attnF32 := range []bool{false, true} { // tensor-core and float32 attention
		b.attnF32 = attnF32
		for _, c := range []attnShape{{1, 1, 1, 1, 1, 1}, {2, 13, 13, 4, 2, 8}, {2, 3, 9, 6, 3, 4}, {1, 0, 4, 2, 1, 4},
			{2, 17, 17, 8, 2, 100}, {1, 1, 33, 4, 1, 20}, {2, 17, 17, 3, 1, 6}} {
			qC, kC := c.NH*c.HS, c.NKV*c.HS
			q, k, v, o := f32(c.B, c.Tq, qC), f32(c.B, c.Tk, kC), f32(c.B, c.Tk, kC), f32(c.B, c.Tq, qC)
			p := f32(c.B, c.NH, c.Tq, c.Tk)
			mask := make([]int32, c.B*c.Tk)
			b.AttentionForward(o, p, q, k, v, nil, c.NH, c.NKV)
			b.AttentionForward(o, p, q, k, v, mask, c.NH, c.NKV)
			b.AttentionForwardCopy(o, b.New(tensor.BF16, c.B, c.Tq, qC), p, q, k, v, mask, c.NH, c.NKV)
			b.AttentionBackward(f32(c.B, c.Tq, qC), f32(c.B, c.Tk, kC), f32(c.B, c.Tk, kC), o, q, k, v, p, c.NH, c.NKV)
		}
	}
	b.attnF32 = false
	for _, c := range []attnShape{{1, 1, 1, 1, 1, 1}, {2, 13, 13, 4, 2, 8}, {2, 3, 9, 6, 3, 4}, {1, 0, 4, 2, 1, 4},
		{2, 70, 70, 8, 2, 100}, {1, 4, 0, 2, 1, 4}} { // fused attention, empty shapes included
		qC, kC := c.NH*c.HS, c.NKV*c.HS
		o, lse := f32(c.B, c.Tq, qC), f32(c.B, c.NH, c.Tq)
		for _, dt := range []tensor.DType{tensor.F32, tensor.BF16} {
			q, k, v := b.New(dt, c.B, c.Tq, qC), b.New(dt, c.B, c.Tk, kC), b.New(dt, c.B, c.Tk, kC)
			b.FlashAttentionForward(o, lse, q, k, v, make([]int32, c.B*c.Tk), c.NH, c.NKV)
			b.FlashAttentionBackward(f32(c.B, c.Tq, qC), f32(c.B, c.Tk, kC), f32(c.B, c.Tk, kC), o, q, k, v, o, lse, nil,
				c.NH, c.NKV)
		}
	}
	b.MatMulDropIn(f32(64, 8), f32(64, 48), f32(8, 48), false, true, 0, 0, 0.1, 3) // LoRA's fused dropout
	b.MatMulDropIn(f32(8, 48), f32(64, 8), f32(64, 48), true, false, 1, 1, 0.1, 3)
	b.MatMulDropOut(f32(64, 48), f32(64, 8), f32(8, 48), 1, 0.1, 3)
	for _, pf := range []bool{false, true} { // the thin kernels without and with prefetching (16 and 8 columns), plain and dropped out
		b.thinPrefetch = pf
		b.MatMul(f32(64, 16), f32(64, 48), f32(16, 48), false, true, 0)
		b.MatMul(f32(64, 8), f32(64, 48), f32(8, 48), false, true, 0)
		b.MatMulDropIn(f32(64, 16), f32(64, 48), f32(16, 48), false, true, 0, 0, 0.1, 3)
		b.MatMulDropIn(f32(64, 8), f32(64, 48), f32(8, 48), false, true, 0, 0, 0.1, 3)
	}
	tensor.ClipGlobalNorm(b, []*tensor.Tensor{f32(10), f32(3)}, 1)
	if _, err := b.Elapsed(func() { b.Scale(f32(5), 2) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, k := range kernels.Table {
		if f.launched[k.Name] == 0 {
			missing = append(missing, k.Name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("kernels never launched: %s", strings.Join(missing, ", "))
	}
}

// TestIndexUpload checks that per-op host arrays reach the device intact.
func TestIndexUpload(t *testing.T) {
	b, f := newFakeBackend(t)
	ids := []int32{5, -100, 7, 1 << 30, 3}
	p := b.ring.put(ids)
	b.flush()
	got := f.span("ids", p, 20)
	for i, want := range ids {
		if v := int32(binary.LittleEndian.Uint32(got[4*i:])); v != want {
			t.Fatalf("id %d = %d, want %d", i, v, want)
		}
	}
}

func TestLaunchChecksSignature(t *testing.T) {
	b, _ := newFakeBackend(t)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "parameter") {
			t.Fatalf("wrong argument kinds not caught: %v", r)
		}
	}()
	b.launch("scale_f32", [3]int{1, 1, 1}, block256, 0, argPtr(fakeBase), argI32(2), argI32(1))
}

func TestArena(t *testing.T) {
	a := newArena(4096, 10*arenaAlign)
	var got []uint64
	for i := 0; i < 5; i++ {
		p, n, err := a.alloc(300)
		if err != nil || n != 2*arenaAlign {
			t.Fatal(p, n, err)
		}
		got = append(got, p)
	}
	if _, _, err := a.alloc(1); err == nil {
		t.Fatal("allocation beyond the arena")
	}
	for _, i := range []int{1, 3, 2, 0, 4} {
		a.release(got[i], 2*arenaAlign)
	}
	if len(a.free) != 1 || a.free[0] != (span{0, 10 * arenaAlign}) {
		t.Fatalf("free list not coalesced: %v", a.free)
	}
	if used, peak := a.stats(); used != 0 || peak != 10*arenaAlign {
		t.Fatal(used, peak)
	}
}

// TestGEMMBF16Variants checks the variant table against the PTX: every
// variant has its four kernels, its block size is the kernels'
// __launch_bounds__ (.maxntid), its dynamic shared memory is the size the
// kernels need (the constant <prefix>_smem, below which they trap), and
// MatMul launches the selected variant with that grid, block and memory.
func TestGEMMBF16Variants(t *testing.T) {
	var b Backend // no kernels loaded: "auto" runs v2a, the default there
	b.gemmVariant = "auto"
	if b.bf16For(4096, 3200, 1, false, true).name != "v2a" || b.bf16For(4096, 8640, 1, false, true).name != "v2a" {
		t.Errorf("auto picks %s for N=3200, %s for N=8640", b.bf16For(4096, 3200, 1, false, true).name, b.bf16For(4096, 8640, 1, false, true).name)
	}
	hopper, err := newBackend(newFake(t, 64<<20), Options{}) // 132 multiprocessors, the wgmma kernels loaded
	if err != nil {
		t.Fatal(err)
	}
	if got := hopper.gemmDefault; got != "auto-tma-k" {
		t.Errorf("default on sm_90 with the TMA kernels loaded: %s, want auto-tma-k", got)
	}
	// Each mode's pick by tileCost: waves (132 multiprocessors) x tileTime.
	for _, c := range []struct {
		mode          string
		m, n, batches int
		ta, tb        bool
		want          string
	}{
		{"auto", 2048, 3200, 1, false, true, "v3a"},        // 208 tiles of v3a (2 waves, cost 200), 400 of v3b (4, 216)
		{"auto", 2048, 8640, 1, false, true, "v3b"},        // 544 (5, 500), 1088 (9, 486)
		{"auto", 2048, 32000, 1, false, true, "v3a"},       // 2000 (16, 1600), 4000 (31, 1674)
		{"auto", 256, 100, 256, false, false, "v3b"},       // the attention's P V: 512 (4, 400), 512 (4, 216)
		{"auto", 256, 256, 256, false, true, "v3a"},        // its Q K^T: 512 (4, 400), 1024 (8, 432)
		{"auto", 128, 256, 1, false, true, "v3b"},          // 1 (1, 100), 2 (1, 54): two half tiles side by side
		{"auto-tma", 2048, 3200, 1, false, true, "v3g"},    // v3g 208 (2, 142), v3h 400 (4, 176)
		{"auto-tma", 2048, 8640, 1, false, true, "v3g"},    // 544 (5, 355), 1088 (9, 396)
		{"auto-tma", 128, 256, 1, false, true, "v3h"},      // 1 (1, 71), 2 (1, 44)
		{"auto-k", 2048, 3200, 1, false, true, "v3a"},      // v3k 256 tiles (2, 200): a tie goes to the first
		{"auto-k", 2048, 3200, 1, true, false, "v3a"},      // tn: no v3k kernel
		{"auto-k", 2048, 8640, 1, false, true, "v3b"},      // v3k 672 (6, 600)
		{"auto-k", 256, 100, 256, false, false, "v3b"},     // v3k's C^T 2 x 1 x 256 tiles (4, 400)
		{"auto-tma-k", 2048, 3200, 1, false, false, "v3l"}, // the transpose: 10 x 25 tiles of C^T (2, 134)
		{"auto-tma-k", 2048, 3200, 1, false, true, "v3l"},  // 16 x 16 (2, 134), v3g (2, 142)
		{"auto-tma-k", 2048, 8640, 1, false, true, "v3g"},  // v3l 672 (6, 402), v3g (5, 355)
		{"auto-tma-k", 2048, 3200, 1, true, false, "v3g"},  // tn: no v3l kernel
		{"auto-tma-k", 4096, 8640, 1, false, true, "v3g"},  // v3l 1344 (11, 737), v3g 1088 (9, 639), v3h 2176 (17, 748)
	} {
		hopper.gemmVariant = c.mode
		if got := hopper.bf16For(c.m, c.n, c.batches, c.ta, c.tb).name; got != c.want {
			t.Errorf("%s on sm_90 for %d batches of (%d, %d), transA %v, transB %v: %s, want %s",
				c.mode, c.batches, c.m, c.n, c.ta, c.tb, got, c.want)
		}
	}
	for _, c := range []struct{ variant, want string }{{"v3k", "v3k v3a"}, {"v3l", "v3l v3a"}, {"auto-tma-k", "v3l v3g"}} {
		hopper.gemmVariant = c.variant // the layout's fallback where the variant has no kernel (tn)
		if got := hopper.GEMMChoice(2048, 3200, 1, false, true) + " " + hopper.GEMMChoice(2048, 3200, 1, true, false); got != c.want {
			t.Errorf("%s: nt and tn products run on %s, want %s", c.variant, got, c.want)
		}
	}
	if err := hopper.CheckGEMMVariant("v3k"); err != nil {
		t.Errorf("v3k on sm_90: %v", err)
	}
	if err := hopper.CheckGEMMVariant("v9"); err == nil || !strings.Contains(err.Error(), "auto-tma-k") {
		t.Errorf("an unknown variant: %v", err)
	}
	b.gemmVariant = "v1"
	if b.bf16For(4096, 3200, 1, false, true).name != "v1" {
		t.Errorf("v1 selected, %s used", b.bf16For(4096, 3200, 1, false, true).name)
	}
	for _, v := range gemmBF16Variants {
		b, err := os.ReadFile(filepath.Join("..", "kernels", v.module+".ptx")) // the committed PTX, in any build
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for layout := range 4 {
			ta, tb := layout&2 != 0, layout&1 != 0
			k := v.kernel(ta, tb)
			if !v.has(ta, tb) {
				if strings.Contains(src, ".entry "+k+"(") {
					t.Errorf("%s: a kernel the table says %s lacks", k, v.name)
				}
				continue
			}
			m := regexp.MustCompile(`\.visible \.entry ` + k + `\([^)]*\)\s*\.maxntid (\d+), 1, 1`).FindStringSubmatch(src)
			if m == nil || m[1] != strconv.Itoa(v.threads) {
				t.Errorf("%s: %d threads in the table, PTX .maxntid %v", k, v.threads, m)
			}
		}
		m := regexp.MustCompile(`\.u32 ` + v.prefix + `_smem = (\d+);`).FindStringSubmatch(src)
		switch {
		case v.smem == 0 && m != nil:
			t.Errorf("%s: no dynamic shared memory in the table, PTX says %s bytes", v.name, m[1])
		case v.smem > 0 && (m == nil || m[1] != strconv.Itoa(v.smem)):
			t.Errorf("%s: %d bytes of dynamic shared memory in the table, PTX %v", v.name, v.smem, m)
		}
	}
	if len(GEMMBF16Variants()) != len(gemmBF16Variants) {
		t.Fatal("GEMMBF16Variants")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "unknown BF16 GEMM variant") {
			t.Fatalf("unknown variant not caught: %v", r)
		}
	}()
	bf16Variant("nope")
}

// TestGEMMBF16Launch checks the launch MatMul records for each variant,
// in layouts tt and nn (whose tiles v3k lays over C^T).
func TestGEMMBF16Launch(t *testing.T) {
	for _, v := range gemmBF16Variants {
		for _, tr := range []bool{true, false} {
			b, _ := newFakeBackend(t)
			b.gemmVariant = v.name
			m, n, k := 304, 520, 40 // rows and batches of whole 16 bytes, as the TMA variants need
			x, y, out := b.New(tensor.BF16, 2, k, m), b.New(tensor.BF16, 2, n, k), b.New(tensor.F32, 2, m, n)
			if !tr {
				x, y = b.New(tensor.BF16, 2, m, k), b.New(tensor.BF16, 2, k, n)
			}
			b.cmds = b.cmds[:0]
			b.batchMax = 1 << 30 // the whole product in b.cmds
			b.MatMul(out, x, y, tr, tr, 1)
			c := b.cmds
			maps := 0 // a TMA variant's tensor maps are copied first (after clearing their table, the first time)
			for len(c) > 0 && (c[0] == opMemset || c[0] == opUpload && c[2] == 128) {
				if c[0] == opUpload {
					maps++
				}
				c = c[cmdLen(c, 0):]
			}
			if want := 2 * boolInt(v.tma()); maps != want {
				t.Errorf("%s: %d tensor maps copied before the launch, want %d", v.name, maps, want)
			}
			if len(c) < 10 || c[0] != opLaunch || b.funcs[v.kernel(tr, tr)] != c[1] {
				t.Fatalf("%s: not a launch of %s: %v", v.name, v.kernel(tr, tr), c)
			}
			tm, tn := m, n // the tiles' extents: C's, or C^T's
			if v.kMajorOnly() && !tr {
				tm, tn = n, m
			}
			want := []uint64{uint64((tn + v.bn - 1) / v.bn), uint64((tm + v.bm - 1) / v.bm), 2, uint64(v.threads), 1, 1,
				uint64(v.smem)}
			if got := c[2:9]; !slices.Equal(got, want) {
				t.Errorf("%s %s: grid, block, shared memory %v, want %v", v.name, v.kernel(tr, tr), got, want)
			}
		}
	}
}
