// LoRA against a dense float64 reference: forward, every gradient, the
// dropout path, merging, and the PEFT save/load round trip.

package lora

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embrec/tensor"
)

type fixture struct {
	b          *tensor.CPU
	set        *Set
	l          *Linear
	N          int
	x, w, dOut []float32 // (N, In), (Out, In), (N, Out)
	a, bm      []float32 // (R, In), (Out, R)
}

func newFixture(t *testing.T, dropout float32, N int) *fixture {
	t.Helper()
	b := tensor.NewCPU(1)
	const in, out = 13, 7
	cfg := Config{Rank: 3, Alpha: 6, Dropout: dropout, Targets: []string{"q_proj"}}
	set, err := NewSet(b, cfg, 1, func(string) (int, int) { return in, out }, N)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]*tensor.Tensor{}
	grads := map[string]*tensor.Tensor{}
	for _, s := range set.Specs() {
		params[s.Name] = b.New(tensor.F32, s.Shape...)
		grads[s.Name] = b.New(tensor.F32, s.Shape...)
	}
	set.Bind(func(n string) *tensor.Tensor { return params[n] }, func(n string) *tensor.Tensor { return grads[n] })
	rng := rand.New(rand.NewPCG(3, 4))
	randv := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	f := &fixture{b: b, set: set, l: set.All[0], N: N, x: randv(N * in), w: randv(out * in), dOut: randv(N * out),
		a: randv(3 * in), bm: randv(out * 3)}
	b.Upload(f.l.A, f.a)
	b.Upload(f.l.B, f.bm) // non-zero B so every gradient path is exercised
	return f
}

// reference returns y, dx, dA, dB in float64 for y = x W^T + s xm A^T B^T,
// where xm = x * mask.
func (f *fixture) reference(mask []float64) (y, dx, dA, dB []float64) {
	l := f.l
	in, out, R, s := l.In, l.Out, l.Rank, float64(l.Scale)
	xm := make([]float64, len(f.x))
	for i, v := range f.x {
		xm[i] = float64(v) * mask[i]
	}
	h := make([]float64, f.N*R) // x_m A^T
	for n := 0; n < f.N; n++ {
		for r := 0; r < R; r++ {
			for i := 0; i < in; i++ {
				h[n*R+r] += xm[n*in+i] * float64(f.a[r*in+i])
			}
		}
	}
	y, dx = make([]float64, f.N*out), make([]float64, f.N*in)
	dA, dB = make([]float64, R*in), make([]float64, out*R)
	for n := 0; n < f.N; n++ {
		for o := 0; o < out; o++ {
			v := 0.0
			for i := 0; i < in; i++ {
				v += float64(f.x[n*in+i]) * float64(f.w[o*in+i])
			}
			for r := 0; r < R; r++ {
				v += s * h[n*R+r] * float64(f.bm[o*R+r])
			}
			y[n*out+o] = v
		}
	}
	for n := 0; n < f.N; n++ {
		for r := 0; r < R; r++ {
			dh := 0.0
			for o := 0; o < out; o++ {
				g := float64(f.dOut[n*out+o])
				dh += s * g * float64(f.bm[o*R+r])
				dB[o*R+r] += s * g * h[n*R+r]
			}
			for i := 0; i < in; i++ {
				dA[r*in+i] += dh * xm[n*in+i]
				dx[n*in+i] += dh * float64(f.a[r*in+i]) * mask[n*in+i]
			}
		}
	}
	return y, dx, dA, dB
}

func near(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > 1e-4*(1+math.Abs(want[i])) || math.IsNaN(d) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func (f *fixture) run(t *testing.T, mask []float64) {
	b, l := f.b, f.l
	x := tensor.FromFloat32(append([]float32(nil), f.x...), f.N, l.In)
	w := tensor.FromFloat32(f.w, l.Out, l.In)
	y := b.New(tensor.F32, f.N, l.Out)
	b.MatMul(y, x, w, false, true, 0) // the frozen base layer
	l.Forward(y, x)
	yRef, dxRef, dARef, dBRef := f.reference(mask)
	near(t, "y", tensor.Float32s(y), yRef)

	dOut := tensor.FromFloat32(f.dOut, f.N, l.Out)
	dx := b.New(tensor.F32, f.N, l.In)
	b.MatMul(dx, dOut, w, false, false, 0) // the base layer's share
	l.Backward(dx, dOut, x)
	base := make([]float64, f.N*l.In)
	for n := 0; n < f.N; n++ {
		for i := 0; i < l.In; i++ {
			for o := 0; o < l.Out; o++ {
				base[n*l.In+i] += float64(f.dOut[n*l.Out+o]) * float64(f.w[o*l.In+i])
			}
			dxRef[n*l.In+i] += base[n*l.In+i]
		}
	}
	near(t, "dx", tensor.Float32s(dx), dxRef)
	near(t, "dA", tensor.Float32s(l.DA), dARef)
	near(t, "dB", tensor.Float32s(l.DB), dBRef)
}

func ones(n int) []float64 {
	m := make([]float64, n)
	for i := range m {
		m[i] = 1
	}
	return m
}

func TestLinearMatchesDenseReference(t *testing.T) {
	f := newFixture(t, 0.3, 5)
	f.run(t, ones(len(f.x))) // not training: dropout is off
}

func TestLinearDropoutMatchesReference(t *testing.T) {
	f := newFixture(t, 0.3, 5)
	f.set.Training, f.set.StepSeed = true, 99
	mask := make([]float64, len(f.x))
	dropped := 0
	for i := range mask {
		if tensor.DropoutUniform(f.set.StepSeed^f.l.seed, i) >= 0.3 {
			mask[i] = float64(float32(1 / (1 - float32(0.3))))
		} else {
			dropped++
		}
	}
	if dropped == 0 {
		t.Fatal("fixture drops nothing; pick another seed")
	}
	f.run(t, mask)
}

func TestFreshAdapterIsIdentityAndMergeMatches(t *testing.T) {
	f := newFixture(t, 0, 4)
	f.set.Init(1)
	if got := tensor.Float32s(f.l.B); math.Abs(float64(got[0])) != 0 {
		t.Fatal("Init must zero B")
	}
	bound := 1 / math.Sqrt(float64(f.l.In))
	for _, v := range tensor.Float32s(f.l.A) {
		if math.Abs(float64(v)) > bound {
			t.Fatalf("A entry %v beyond Kaiming bound %v", v, bound)
		}
	}
	f.b.Upload(f.l.B, f.bm)
	x := tensor.FromFloat32(f.x, f.N, f.l.In)
	w := tensor.FromFloat32(append([]float32(nil), f.w...), f.l.Out, f.l.In)
	y := f.b.New(tensor.F32, f.N, f.l.Out)
	f.b.MatMul(y, x, w, false, true, 0)
	f.l.Forward(y, x)
	f.set.Merge(func(string) *tensor.Tensor { return w })
	merged := f.b.New(tensor.F32, f.N, f.l.Out)
	f.b.MatMul(merged, x, w, false, true, 0)
	want := make([]float64, merged.Len())
	for i, v := range tensor.Float32s(y) {
		want[i] = float64(v)
	}
	near(t, "merged", tensor.Float32s(merged), want)
}

func TestSaveLoadRoundTripPEFTNames(t *testing.T) {
	f := newFixture(t, 0.05, 2)
	dir := t.TempDir()
	if err := f.set.Save(dir, "openlm-research/open_llama_3b"); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"peft_type": "LORA"`, `"r": 3`, `"lora_alpha": 6`, `"q_proj"`} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("adapter_config.json lacks %s:\n%s", want, cfg)
		}
	}
	g := newFixture(t, 0.05, 2)
	g.b.Fill(g.l.A, 0)
	g.b.Fill(g.l.B, 0)
	if err := g.set.Load(dir); err != nil {
		t.Fatal(err)
	}
	for i, v := range tensor.Float32s(g.l.A) {
		if v != f.a[i] {
			t.Fatalf("A[%d] = %v after load, want %v", i, v, f.a[i])
		}
	}
	if got, want := PEFTName(f.l.Name, "A"), "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"; got != want {
		t.Errorf("PEFT name %q, want %q", got, want)
	}

	// A model with another rank must refuse the adapter, naming both.
	h := tensor.NewCPU(1)
	other, _ := NewSet(h, Config{Rank: 4, Alpha: 8, Targets: []string{"q_proj"}}, 1, func(string) (int, int) { return 13, 7 }, 2)
	if err := other.Load(dir); err == nil || !strings.Contains(err.Error(), "rank 3") {
		t.Errorf("loading a rank-3 adapter into a rank-4 set: err = %v", err)
	}
}

func TestLinearDoesNotAllocate(t *testing.T) {
	f := newFixture(t, 0.1, 6)
	f.set.Training = true
	x := tensor.FromFloat32(f.x, f.N, f.l.In)
	y := f.b.New(tensor.F32, f.N, f.l.Out)
	dx := f.b.New(tensor.F32, f.N, f.l.In)
	dOut := tensor.FromFloat32(f.dOut, f.N, f.l.Out)
	step := func() { f.l.Forward(y, x); f.l.Backward(dx, dOut, x) }
	step()
	if n := testing.AllocsPerRun(5, step); n != 0 {
		t.Errorf("forward+backward allocates %.0f times", n)
	}
}
