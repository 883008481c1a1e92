// External truth for the backward pass: a PyTorch fixture (float64
// reference of a random LLaMA with GQA, head size 20, untied head, one
// left-padded row, ignored targets) checks logits, loss, the gradient
// w.r.t. the input embeddings and weight gradients, with and without
// activation checkpointing.

package llama

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"

	"embrec/tensor"
	"embrec/tensor/safetensors"
)

const regenerate = "cd llama/testdata && /usr/bin/python3 gen_grad_fixture.py"

// Tolerances: |got - ref| <= atol + rtol * max|ref| over the tensor. The
// reference is float64 over the same (bf16/f16-exact) weights; embrec
// computes in float32 (unit roundoff 6e-8) through two blocks whose
// reductions are at most ~120 terms long, chained ~10 ops deep, and the
// RoPE tables are rounded to float32 once. The observed worst errors
// (logged by the test) are ~1e-7..1e-6 of the tensor's scale; the bounds
// below leave a factor of ~10-50 while a wrong term (an error of order 1e-2
// or more of the scale) still fails.
var gradTol = map[string]struct{ atol, rtol float64 }{
	"logits":  {1e-6, 2e-5},
	"loss":    {1e-6, 1e-5},
	"dinputs": {1e-9, 5e-5},
	"grad":    {1e-9, 5e-5},
}

func readI32(t *testing.T, f *safetensors.File, name string) []int32 {
	raw, err := f.Bytes(name)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int32, len(raw)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

func readF32(t *testing.T, f *safetensors.File, name string) []float32 {
	v, err := f.Float32(name)
	if err != nil {
		t.Fatalf("%v (regenerate: %s)", err, regenerate)
	}
	return v
}

func checkClose(t *testing.T, what, kind string, got, ref []float32) {
	t.Helper()
	tol := gradTol[kind]
	scale := 0.0
	for _, v := range ref {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	d, at := maxAbsDiff(got, ref)
	bound := tol.atol + tol.rtol*scale
	t.Logf("%-48s max|diff| %.2e (%.1e of scale %.3g)", what, d, d/math.Max(scale, 1e-30), scale)
	if !(d <= bound) {
		t.Errorf("%s: max |diff| %.3g at %d (got %g, want %g) > %.3g; if the fixture is stale, regenerate: %s",
			what, d, at, got[at], ref[at], bound, regenerate)
	}
}

func TestGradientsMatchPyTorch(t *testing.T) {
	b := tensor.NewCPU(0)
	m, err := Load(filepath.Join("testdata", "grad_fixture"), b)
	if err != nil {
		t.Fatalf("%v (regenerate: %s)", err, regenerate)
	}
	defer m.Close()
	f, err := safetensors.Open(filepath.Join("testdata", "grad_expected.safetensors"))
	if err != nil {
		t.Fatalf("%v (regenerate: %s)", err, regenerate)
	}
	defer f.Close()
	info, _ := f.Info("ids")
	B, T := info.Shape[0], info.Shape[1]
	ids, mask, targets := readI32(t, f, "ids"), readI32(t, f, "mask"), readI32(t, f, "targets")
	for _, ckpt := range []bool{false, true} {
		name := "stored"
		if ckpt {
			name = "checkpointed"
		}
		t.Run(name, func(t *testing.T) {
			g, _ := m.NewGrads()
			r := m.NewRun(B, T, RunOptions{Checkpoint: ckpt, Grads: g})
			r.EmbedIDs(ids)
			r.Forward(mask)
			checkClose(t, "logits", "logits", host(b, r.Logits(nil)), readF32(t, f, "logits"))
			loss, n := r.Loss(targets)
			checkClose(t, "loss", "loss", []float32{float32(loss)}, readF32(t, f, "loss"))
			if n == 0 {
				t.Fatal("no targets")
			}
			r.BackwardLoss(1)
			r.EmbedBackward(ids)
			checkClose(t, "dinputs", "dinputs", host(b, r.DInput()), readF32(t, f, "dinputs"))
			pm := map[string]*tensor.Tensor{}
			for i, s := range m.Config.Specs() {
				pm[s.Name] = g.list(m.Config)[i]
			}
			for _, key := range f.Names() {
				if len(key) > 5 && key[:5] == "grad." {
					checkClose(t, key, "grad", host(b, pm[key[5:]]), readF32(t, f, key))
				}
			}
		})
	}
}
