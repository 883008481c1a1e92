// Benchmarks: forward and forward+backward tokens/s on the CPU for a
// 4-layer C=256 model and for one OpenLLaMA-3B-shaped block, random init.
// scripts/bench-llama-torch.py times the same shapes in PyTorch.
//
//	go test ./llama -run '^$' -bench . -benchtime 5x -cpu 2

package llama

import (
	"fmt"
	"runtime"
	"testing"

	"embrec/tensor"
)

type benchShape struct {
	name string
	cfg  Config
	B, T int
}

var benchShapes = []benchShape{
	// 4 layers, C 256, 8 heads of 32, H 688 (~8/3 C), V 4096.
	{"L4C256", Config{Hidden: 256, Intermediate: 688, Layers: 4, Heads: 8, KVHeads: 8, HeadSize: 32,
		Vocab: 4096, MaxPos: 512, NormEps: 1e-6, RopeTheta: 10000, BOS: 1, EOS: 2}, 4, 256},
	// One OpenLLaMA-3B block (C 3200, H 8640, 32 heads of 100) with a tiny
	// vocabulary, so the block dominates.
	{"OpenLLaMA3BLayer", Config{Hidden: 3200, Intermediate: 8640, Layers: 1, Heads: 32, KVHeads: 32, HeadSize: 100,
		Vocab: 32, MaxPos: 2048, NormEps: 1e-6, RopeTheta: 10000, BOS: 1, EOS: 2}, 1, 256},
}

func benchIDs(N, V int) (ids, targets []int32) {
	ids = make([]int32, N)
	targets = make([]int32, N)
	for i := range ids {
		ids[i] = int32((i*7919 + 13) % V)
		targets[i] = int32((i*104729 + 5) % V)
	}
	return ids, targets
}

func BenchmarkForward(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			be := tensor.NewCPU(runtime.GOMAXPROCS(0))
			m, err := NewRandom(s.cfg, be, DefaultStd, 1)
			if err != nil {
				b.Fatal(err)
			}
			ids, _ := benchIDs(s.B*s.T, s.cfg.Vocab)
			r := m.NewRun(s.B, s.T, RunOptions{})
			step := func() {
				r.EmbedIDs(ids)
				r.Forward(nil)
				r.Logits(nil)
			}
			step() // warm-up
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				step()
			}
			b.ReportMetric(float64(s.B*s.T*b.N)/b.Elapsed().Seconds(), "tok/s")
		})
	}
}

// BenchmarkForwardBackward is a training step without the optimizer: loss
// on every position and gradients for every weight.
func BenchmarkForwardBackward(b *testing.B) {
	for _, s := range benchShapes {
		for _, ckpt := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/ckpt=%v", s.name, ckpt), func(b *testing.B) {
				be := tensor.NewCPU(runtime.GOMAXPROCS(0))
				m, err := NewRandom(s.cfg, be, DefaultStd, 1)
				if err != nil {
					b.Fatal(err)
				}
				ids, targets := benchIDs(s.B*s.T, s.cfg.Vocab)
				g, gp := m.NewGrads()
				r := m.NewRun(s.B, s.T, RunOptions{Grads: g, Checkpoint: ckpt})
				step := func() {
					be.Fill(gp.Flat, 0)
					r.EmbedIDs(ids)
					r.Forward(nil)
					r.Loss(targets)
					r.BackwardLoss(1)
					r.EmbedBackward(ids)
				}
				step()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					step()
				}
				b.ReportMetric(float64(s.B*s.T*b.N)/b.Elapsed().Seconds(), "tok/s")
			})
		}
	}
}
