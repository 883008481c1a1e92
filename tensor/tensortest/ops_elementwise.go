// Element-wise ops, reductions, bias, dtype conversion, dropout, AdamW and
// global-norm clipping.

package tensortest

import (
	"fmt"
	"math"
	"testing"

	"embrec/tensor"
)

var ewSizes = []int{0, 1, 7, 1000}

func mapf(a []float64, f func(i int, x float64) float64) []float64 {
	out := make([]float64, len(a))
	for i, x := range a {
		out[i] = f(i, x)
	}
	return out
}

// Elementwise checks Fill, Add, AddScaled, Mul, Scale, SumSquares, AddBias
// and BiasBackward.
func Elementwise(t *testing.T, b tensor.Backend, tol Tolerances) {
	for _, n := range ewSizes {
		e := newEnv(t, b, tol, uint64(n)+100)
		av, bv := e.randn(n), e.randn(n)
		name := fmt.Sprintf("n%d", n)
		A, B, O := e.tensor("a", av, n), e.tensor("b", bv, n), e.tensor("out", nil, n)
		e.b.Fill(O, 2.5)
		e.compare("Fill "+name, "elementwise", e.read(O), mapf(av, func(int, float64) float64 { return 2.5 }), nil)
		e.b.Add(O, A, B)
		e.compare("Add "+name, "elementwise", e.read(O), mapf(av, func(i int, x float64) float64 { return x + bv[i] }), nil)
		e.b.Mul(O, A, B)
		e.compare("Mul "+name, "elementwise", e.read(O), mapf(av, func(i int, x float64) float64 { return x * bv[i] }), nil)
		e.b.AddScaled(A, B, -0.5)
		sum := mapf(av, func(i int, x float64) float64 { return x - 0.5*bv[i] })
		e.compare("AddScaled "+name, "elementwise", e.read(A), sum, nil)
		e.b.Scale(A, 3)
		e.compare("Scale "+name, "elementwise", e.read(A), mapf(sum, func(_ int, x float64) float64 { return 3 * float64(float32(x)) }), nil)
		ss := 0.0
		for _, x := range bv {
			ss += x * x
		}
		e.compare("SumSquares "+name, "matmul", []float64{e.b.SumSquares(B)}, []float64{ss}, nil)
		e.checkPadding()
	}
	for _, sz := range [][2]int{{0, 3}, {1, 1}, {5, 7}, {33, 130}} {
		N, C := sz[0], sz[1]
		e := newEnv(t, b, tol, uint64(N*C)+200)
		ov, biasv, db0 := e.randn(N*C), e.randn(C), e.randn(C)
		O, bias, db := e.tensor("out", ov, N, C), e.tensor("bias", biasv, C), e.tensor("dBias", db0, C)
		e.b.AddBias(O, bias)
		e.compare(fmt.Sprintf("AddBias N%d_C%d", N, C), "elementwise", e.read(O),
			mapf(ov, func(i int, x float64) float64 { return x + biasv[i%C] }), nil)
		d := e.tensor("dOut", ov, N, C)
		e.b.BiasBackward(db, d)
		ref, mag := append([]float64(nil), db0...), abs(db0)
		for i, x := range ov {
			ref[i%C] += x
			mag[i%C] += math.Abs(x)
		}
		e.compare(fmt.Sprintf("BiasBackward N%d_C%d", N, C), "matmul", e.read(db), ref, mag)
		e.checkPadding()
	}
}

// Convert checks Copy, Upload and Download across F32, F16 and BF16.
func Convert(t *testing.T, b tensor.Backend, tol Tolerances) {
	e := newEnv(t, b, tol, 300)
	const n = 1000
	v := e.randn(n)
	v[0], v[1], v[2] = 0, 1, -2
	src := e.tensor("src", v, n)
	for _, dt := range []tensor.DType{tensor.F16, tensor.BF16, tensor.F32} {
		mid := b.New(dt, n)
		b.Copy(mid, src)
		for _, dt2 := range []tensor.DType{tensor.F16, tensor.BF16} {
			mid2 := b.New(dt2, n)
			b.Copy(mid2, mid)
			back := e.tensor("back", nil, n)
			b.Copy(back, mid2)
			e.compare(fmt.Sprintf("Copy F32->%v->%v->F32", dt, dt2), "convert", e.read(back), v, nil)
		}
		host := make([]float32, n)
		b.Download(host, mid)
		got := make([]float64, n)
		for i, x := range host {
			got[i] = float64(x)
		}
		e.compare(fmt.Sprintf("Download %v", dt), "convert", got, v, nil)
		if got[1] != 1 || got[2] != -2 {
			t.Errorf("%v: exactly representable values changed: %v", dt, got[:3])
		}
	}
	e.checkPadding()
}

// Dropout checks that the mask follows tensor.DropoutUniform exactly, the
// scaling, and the backward pass.
func Dropout(t *testing.T, b tensor.Backend, tol Tolerances) {
	for _, p := range []float32{0, 0.1, 0.5} {
		for _, n := range []int{0, 1, 20000} {
			e := newEnv(t, b, tol, uint64(n)+400)
			const seed = 12345
			xv, dv := e.randn(n), e.randn(n)
			x, out, mask := e.tensor("in", xv, n), e.tensor("out", nil, n), e.tensor("mask", nil, n)
			e.b.DropoutForward(out, mask, x, p, seed)
			m := e.read(mask)
			keep := float64(float32(1 / (1 - p)))
			dropped := 0
			refM := make([]float64, n)
			for i := range m {
				if tensor.DropoutUniform(seed, i) >= p {
					refM[i] = keep
				} else {
					dropped++
				}
			}
			name := fmt.Sprintf("p%v_n%d", p, n)
			e.compare("DropoutForward mask "+name, "elementwise", m, refM, nil)
			e.compare("DropoutForward out "+name, "elementwise", e.read(out),
				mapf(xv, func(i int, x float64) float64 { return x * refM[i] }), nil)
			if n > 1000 { // the RNG itself: dropped fraction within 5 sigma of p
				sigma := math.Sqrt(float64(p*(1-p)) / float64(n))
				if frac := float64(dropped) / float64(n); math.Abs(frac-float64(p)) > 5*sigma+1e-9 {
					t.Errorf("Dropout %s: dropped fraction %.4f, want %.4f", name, frac, p)
				}
			}
			d, dx := e.tensor("dOut", dv, n), e.tensor("dIn", nil, n)
			e.b.DropoutBackward(dx, d, mask)
			e.compare("DropoutBackward "+name, "elementwise", e.read(dx),
				mapf(dv, func(i int, x float64) float64 { return x * refM[i] }), nil)
			e.checkPadding()
		}
	}
}

// AdamW checks three optimizer steps against a float64 reference of
// PyTorch's AdamW.
func AdamW(t *testing.T, b tensor.Backend, tol Tolerances) {
	for _, n := range []int{0, 1, 257} {
		e := newEnv(t, b, tol, uint64(n)+500)
		h := tensor.AdamWParams{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1}
		pv := e.randn(n)
		mv, vv := make([]float64, n), make([]float64, n)
		P, M, Vt := e.tensor("param", pv, n), e.tensor("m", mv, n), e.tensor("v", vv, n)
		for step := 1; step <= 3; step++ {
			gv := e.randn(n)
			G := e.tensor("grad", gv, n)
			h.Step = step
			e.b.AdamW(P, G, M, Vt, h)
			lr, b1, b2, eps, wd := float64(h.LR), float64(h.Beta1), float64(h.Beta2), float64(h.Eps), float64(h.WeightDecay)
			for i := range pv {
				pv[i] *= 1 - lr*wd
				mv[i] = b1*mv[i] + (1-b1)*gv[i]
				vv[i] = b2*vv[i] + (1-b2)*gv[i]*gv[i]
				mh := mv[i] / (1 - math.Pow(b1, float64(step)))
				vh := vv[i] / (1 - math.Pow(b2, float64(step)))
				pv[i] -= lr * mh / (math.Sqrt(vh) + eps)
			}
			name := fmt.Sprintf("n%d step%d", n, step)
			e.compare("AdamW param "+name, "optimizer", e.read(P), pv, nil)
			e.compare("AdamW m "+name, "optimizer", e.read(M), mv, nil)
			e.compare("AdamW v "+name, "optimizer", e.read(Vt), vv, nil)
		}
		e.checkPadding()
	}
}

// ClipGlobalNorm checks tensor.ClipGlobalNorm over several tensors.
func ClipGlobalNorm(t *testing.T, b tensor.Backend, tol Tolerances) {
	e := newEnv(t, b, tol, 600)
	av, bv := e.randn(100), e.randn(37)
	A, B := e.tensor("a", av, 100), e.tensor("b", bv, 37)
	norm := math.Sqrt(dot(av, av) + dot(bv, bv))
	got := tensor.ClipGlobalNorm(b, []*tensor.Tensor{A, B}, 2*norm) // no clipping
	e.compare("ClipGlobalNorm norm", "matmul", []float64{got}, []float64{norm}, nil)
	e.compare("ClipGlobalNorm unclipped", "elementwise", e.read(A), av, nil)
	got = tensor.ClipGlobalNorm(b, []*tensor.Tensor{A, B}, 1)
	e.compare("ClipGlobalNorm norm", "matmul", []float64{got}, []float64{norm}, nil)
	s := 1 / (norm + 1e-6)
	e.compare("ClipGlobalNorm clipped a", "elementwise", e.read(A), mapf(av, func(_ int, x float64) float64 { return x * s }), nil)
	e.compare("ClipGlobalNorm clipped b", "elementwise", e.read(B), mapf(bv, func(_ int, x float64) float64 { return x * s }), nil)
	e.checkPadding()
}
