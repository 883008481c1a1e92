// Benchmarks of every CPU op at transformer shapes, and the check that
// steady-state op calls allocate nothing.

package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
)

// opSet holds buffers for one (N, C, H, V) shape and runs each op once.
type opSet struct {
	b                        *tensor.CPU
	N, C, H, V, B, T, NH, HS int
	x, y, out, w, rstd       *tensor.Tensor // (N, C), (N, C), (N, C), (C), (N)
	gate, up, act            *tensor.Tensor // (N, H)
	q, k, v, att, probs      *tensor.Tensor // (B, T, C) x4, (B, NH, T, T)
	dq, dk, dv               *tensor.Tensor // (B, T, C)
	logits, losses           *tensor.Tensor // (N, V), (N)
	table, mask              *tensor.Tensor // (V, C), (N, C)
	wide, wWide              *tensor.Tensor // (N, H), (H, C)
	cos, sin                 *tensor.Tensor // (T, HS/2)
	ids, targets, pos, keys  []int32
}

func newOpSet(b *tensor.CPU, B, T, C, NH, H, V int) *opSet {
	N := B * T
	s := &opSet{b: b, N: N, C: C, H: H, V: V, B: B, T: T, NH: NH, HS: C / NH}
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(shape ...int) *tensor.Tensor {
		t := b.New(tensor.F32, shape...)
		d := tensor.Float32s(t)
		for i := range d {
			d[i] = float32(r.NormFloat64())
		}
		return t
	}
	s.x, s.y, s.out, s.w, s.rstd = fill(N, C), fill(N, C), fill(N, C), fill(C), fill(N)
	s.gate, s.up, s.act = fill(N, H), fill(N, H), fill(N, H)
	s.q, s.k, s.v, s.att = fill(B, T, C), fill(B, T, C), fill(B, T, C), fill(B, T, C)
	s.dq, s.dk, s.dv = fill(B, T, C), fill(B, T, C), fill(B, T, C)
	s.probs = fill(B, NH, T, T)
	s.logits, s.losses = fill(N, V), fill(N)
	s.table, s.mask = fill(V, C), fill(N, C)
	s.wide, s.wWide = fill(N, H), fill(H, C)
	s.cos, s.sin = tensor.RoPETable(b, T, s.HS, 10000)
	s.ids, s.targets, s.pos, s.keys = make([]int32, N), make([]int32, N), make([]int32, N), make([]int32, N)
	for i := range s.ids {
		s.ids[i] = int32(r.IntN(V))
		s.targets[i] = s.ids[i]
		if i%4 == 0 {
			s.targets[i] = -100
		}
		s.pos[i] = int32(i % T)
		s.keys[i] = 1
	}
	return s
}

// ops lists each op with the bytes it streams (for b.SetBytes).
func (s *opSet) ops() []struct {
	name  string
	bytes int64
	run   func()
} {
	b := s.b
	f := int64(4)
	nc, nh := f*int64(s.N*s.C), f*int64(s.N*s.H)
	adam := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: 3}
	return []struct {
		name  string
		bytes int64
		run   func()
	}{
		{"Add", 3 * nc, func() { b.Add(s.out, s.x, s.y) }},
		{"AddScaled", 3 * nc, func() { b.AddScaled(s.out, s.x, 0.5) }},
		{"SumSquares", nc, func() { b.SumSquares(s.x) }},
		{"AddBias", 2 * nc, func() { b.AddBias(s.out, s.w) }},
		{"BiasBackward", nc, func() { b.BiasBackward(s.w, s.x) }},
		{"MatMulNN", f * int64(s.N*s.H+s.H*s.C+s.N*s.C), func() { b.MatMul(s.out, s.wide, s.wWide, false, false, 0) }},
		{"RMSNormForward", 2 * nc, func() { b.RMSNormForward(s.out, s.rstd, s.x, s.w, 1e-6) }},
		{"RMSNormBackward", 3 * nc, func() { b.RMSNormBackward(s.y, s.w, s.out, s.x, s.w, s.rstd) }},
		{"RoPEForward", 2 * nc, func() { b.RoPEForward(s.out, s.x, s.cos, s.sin, s.pos, false) }},
		{"RoPEBackward", 2 * nc, func() { b.RoPEBackward(s.out, s.x, s.cos, s.sin, s.pos, false) }},
		{"SwiGLUForward", 3 * nh, func() { b.SwiGLUForward(s.act, s.gate, s.up) }},
		{"SwiGLUBackward", 5 * nh, func() { b.SwiGLUBackward(s.wide, s.act, s.act, s.gate, s.up) }},
		{"GELUForward", 2 * nc, func() { b.GELUForward(s.out, s.x) }},
		{"GELUBackward", 3 * nc, func() { b.GELUBackward(s.out, s.y, s.x) }},
		{"AttentionForward", 4*nc + f*int64(s.B*s.NH*s.T*s.T), func() { b.AttentionForward(s.att, s.probs, s.q, s.k, s.v, s.keys, s.NH, s.NH) }},
		{"AttentionBackward", 7*nc + f*int64(s.B*s.NH*s.T*s.T), func() { b.AttentionBackward(s.dq, s.dk, s.dv, s.att, s.q, s.k, s.v, s.probs, s.NH, s.NH) }},
		{"CrossEntropyForward", f * int64(s.N*s.V), func() { b.CrossEntropyForward(s.losses, s.logits, s.targets) }},
		{"CrossEntropyBackward", 2 * f * int64(s.N*s.V), func() { b.CrossEntropyBackward(s.logits, s.logits, s.targets, 1) }},
		{"EmbeddingForward", 2 * nc, func() { b.EmbeddingForward(s.out, s.table, s.ids) }},
		{"EmbeddingBackward", 3 * nc, func() { b.EmbeddingBackward(s.table, s.x, s.ids) }},
		{"DropoutForward", 3 * nc, func() { b.DropoutForward(s.out, s.mask, s.x, 0.1, 7) }},
		{"DropoutBackward", 3 * nc, func() { b.DropoutBackward(s.out, s.x, s.mask) }},
		{"AdamW", 4 * nc, func() { b.AdamW(s.x, s.y, s.out, s.mask, adam) }},
	}
}

// BenchmarkCPU runs each op at a small-model shape (B=4, T=128, C=256,
// NH=4, H=688, V=512) and at one OpenLLaMA-3B layer's widths with T=128
// (C=3200, NH=32, H=8640, V=32000).
func BenchmarkCPU(b *testing.B) {
	shapes := []struct {
		name              string
		B, T, C, NH, H, V int
	}{
		{"B4_T128_C256_NH4_H688_V512", 4, 128, 256, 4, 688, 512},
		{"B1_T128_C3200_NH32_H8640_V32000", 1, 128, 3200, 32, 8640, 32000},
	}
	cpu := tensor.NewCPU(0)
	for _, sh := range shapes {
		s := newOpSet(cpu, sh.B, sh.T, sh.C, sh.NH, sh.H, sh.V)
		for _, op := range s.ops() {
			b.Run(fmt.Sprintf("%s/%s", op.name, sh.name), func(b *testing.B) {
				b.SetBytes(op.bytes)
				b.ReportAllocs()
				for b.Loop() {
					op.run()
				}
			})
		}
	}
}

// TestCPUOpsDoNotAllocate: after a warm-up call, no op allocates.
func TestCPUOpsDoNotAllocate(t *testing.T) {
	for _, threads := range []int{1, 2} {
		s := newOpSet(tensor.NewCPU(threads), 2, 64, 64, 4, 96, 300)
		for _, op := range s.ops() {
			op.run() // warm-up: grows scratch buffers, starts workers
			if n := testing.AllocsPerRun(5, op.run); n != 0 {
				t.Errorf("%d threads: %s allocates %.1f times per call", threads, op.name, n)
			}
		}
	}
}

// BenchmarkMatMulFewRows times x W^T for a few rows (decoding: one token
// per beam) at OpenLLaMA-3B's widest layers; M <= 4 takes the unpacked
// path, M = 5 and 8 the blocked SGEMM.
func BenchmarkMatMulFewRows(b *testing.B) {
	cpu := tensor.NewCPU(0)
	for _, sh := range [][3]int{{1, 3200, 8640}, {4, 3200, 8640}, {5, 3200, 8640}, {8, 3200, 8640}, {16, 3200, 8640}, {1, 3200, 32000}} {
		m, k, n := sh[0], sh[1], sh[2]
		x, w, y := cpu.New(tensor.F32, m, k), cpu.New(tensor.F32, n, k), cpu.New(tensor.F32, m, n)
		b.Run(fmt.Sprintf("NT/M%d_K%d_N%d", m, k, n), func(b *testing.B) {
			b.SetBytes(int64(4 * n * k))
			b.ReportAllocs()
			for b.Loop() {
				cpu.MatMul(y, x, w, false, true, 0)
			}
		})
	}
}

// BenchmarkAttentionDecode times one decoding step's attention (one query
// per row over a cache of Tk positions, the last 8 still empty and masked)
// at the tiny backbone's heads (NH=4, HS=16) and a 3B-like head (HS=100):
// beam search's inner loop when serving 32 requests of 10 beams.
func BenchmarkAttentionDecode(b *testing.B) {
	for _, sh := range []struct{ B, Tk, NH, HS int }{{320, 48, 4, 16}, {320, 48, 2, 32}, {40, 48, 32, 100}} {
		b.Run(fmt.Sprintf("B%d_Tk%d_NH%d_HS%d", sh.B, sh.Tk, sh.NH, sh.HS), func(b *testing.B) {
			cpu := tensor.NewCPU(1)
			C := sh.NH * sh.HS
			q, out := cpu.New(tensor.F32, sh.B, 1, C), cpu.New(tensor.F32, sh.B, 1, C)
			k, v := cpu.New(tensor.F32, sh.B, sh.Tk, C), cpu.New(tensor.F32, sh.B, sh.Tk, C)
			probs := cpu.New(tensor.F32, sh.B*sh.NH*sh.Tk)
			for _, t := range []*tensor.Tensor{q, k, v} {
				x := tensor.Float32s(t)
				for i := range x {
					x[i] = float32(i%17)/17 - 0.5
				}
			}
			mask := make([]int32, sh.B*sh.Tk)
			for r := 0; r < sh.B; r++ {
				for j := 0; j < sh.Tk-8; j++ {
					mask[r*sh.Tk+j] = 1
				}
			}
			for b.Loop() {
				cpu.AttentionForward(out, probs, q, k, v, mask, sh.NH, sh.NH)
			}
		})
	}
}
