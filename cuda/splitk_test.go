// Split-K and thin float32 products on an emulating fake device: the fake
// device plus Go emulations of kernels from their documented semantics
// (gemm_f32, gemm_f32_thin, sum_slices_f32, fill_u32 here; attention_test.go adds the
// BF16 GEMMs, the wgmma ones included). Checks the host side (slices,
// operand offsets for every layout, the short last slice, transposed
// output, beta) against the contract; TestMatMulSplitKGPU runs the same
// shapes on the kernels themselves (host-compiled, or the GPU with the
// cuda tag).

package cuda

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"embrec/tensor"
)

// emuDevice is the fake device plus Go emulations of some kernels.
type emuDevice struct {
	*fakeDevice
	emu map[string]func(grid [3]uint64, p []uint64)
}

func (e *emuDevice) submit(c []uint64, done func()) {
	// One command at a time: the fake device checks and applies it (copies,
	// uploads), then an emulated kernel runs, in stream order.
	defer done()
	for i := 0; i < len(c); {
		n := cmdLen(c, i)
		if n == 0 {
			e.t.Fatalf("bad opcode %d", c[i])
		}
		e.fakeDevice.submit(c[i:i+n], func() {})
		if c[i] == opLaunch {
			if f := e.emu[e.fns[c[i+1]]]; f != nil {
				f([3]uint64{c[i+2], c[i+3], c[i+4]}, c[i+10:i+n])
			}
		}
		i += n
	}
}

func (e *emuDevice) f32(addr uint64) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(e.span("emu", addr, 4)))
}

func (e *emuDevice) setF32(addr uint64, v float32) {
	binary.LittleEndian.PutUint32(e.span("emu", addr, 4), math.Float32bits(v))
}

// f32At returns a loader of the float32 array at base, by element index.
func (e *emuDevice) f32At(base uint64) func(int) float64 {
	return func(i int) float64 { return float64(e.f32(base + uint64(4*i))) }
}

// product sets C(i, j) = alpha * sum over l in [k0, k1) of op(A)(i, l)
// op(B)(l, j), plus beta * C(i, j) when beta != 0, summed in float64: the
// contract of gemm_f32, gemm_f32_thin and the BF16 GEMMs. a and b load
// elements of A and B as stored (row strides lda, ldb); at gives C's
// address of (i, j).
func (e *emuDevice) product(M, N, k0, k1, lda, ldb int, ta, tb bool, a, b func(int) float64,
	at func(i, j int) uint64, alpha, beta float32) {
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			var s float64
			for l := k0; l < k1; l++ {
				ai, bi := i*lda+l, l*ldb+j
				if ta {
					ai = l*lda + i
				}
				if tb {
					bi = j*ldb + l
				}
				s += a(ai) * b(bi)
			}
			o := at(i, j)
			v := alpha * float32(s)
			if beta != 0 {
				v += beta * e.f32(o)
			}
			e.setF32(o, v)
		}
	}
}

func newEmuBackend(t *testing.T) (*Backend, *emuDevice) {
	e := &emuDevice{fakeDevice: newFake(t, 256<<20)}
	e.emu = map[string]func([3]uint64, []uint64){
		"fill_u32": func(_ [3]uint64, p []uint64) {
			for i := uint64(0); i < uint64(int32(p[2])); i++ {
				binary.LittleEndian.PutUint32(e.span("fill", p[0]+4*i, 4), uint32(p[1]))
			}
		},
		"gemm_f32": func(grid [3]uint64, p []uint64) {
			i32 := func(j int) int { return int(int32(uint32(p[j]))) }
			f32 := func(j int) float32 { return math.Float32frombits(uint32(p[j])) }
			i64 := func(j int) int { return int(int64(p[j])) }
			C, A, B := p[0], p[1], p[2]
			M, N, K, lda, ldb, ldc := i32(3), i32(4), i32(5), i32(6), i32(7), i32(8)
			ta, tb, alpha, beta := i32(9) != 0, i32(10) != 0, f32(11), f32(12)
			sAb, sAh, sBb, sBh, sCb, sCh, heads, group := i64(13), i64(14), i64(15), i64(16), i64(17), i64(18), i32(19), i32(20)
			for z := 0; z < int(grid[2]); z++ {
				bb, h := z/heads, z%heads
				a := A + uint64(4*(bb*sAb+h*sAh))
				bm := B + uint64(4*(bb*sBb+(h/group)*sBh))
				c := C + uint64(4*(bb*sCb+h*sCh))
				e.product(M, N, 0, K, lda, ldb, ta, tb, e.f32At(a), e.f32At(bm),
					func(i, j int) uint64 { return c + uint64(4*(i*ldc+j)) }, alpha, beta)
			}
		},
	}
	e.emu["gemm_f32_thin"] = func(grid [3]uint64, p []uint64) {
		i32 := func(j int) int { return int(int32(uint32(p[j]))) }
		f32 := func(j int) float32 { return math.Float32frombits(uint32(p[j])) }
		C, A, B := p[0], p[1], p[2]
		M, N, K, lda, ldb, ldc := i32(3), i32(4), i32(5), i32(6), i32(7), i32(8)
		ta, tb, tc, alpha, beta := i32(9) != 0, i32(10) != 0, i32(11) != 0, f32(12), f32(13)
		kSlice, sC := i32(14), int(int64(p[15]))
		if grid[0] != uint64((M+127)/128) {
			e.t.Fatalf("gemm_f32_thin: grid.x %d for M %d", grid[0], M)
		}
		for sl := 0; sl < int(grid[1]); sl++ {
			c := C + uint64(4*sl*sC)
			e.product(M, N, sl*kSlice, min(K, (sl+1)*kSlice), lda, ldb, ta, tb, e.f32At(A), e.f32At(B),
				func(i, j int) uint64 {
					if tc {
						return c + uint64(4*(j*ldc+i))
					}
					return c + uint64(4*(i*ldc+j))
				}, alpha, beta)
		}
	}
	e.emu["sum_slices_f32"] = func(_ [3]uint64, p []uint64) {
		out, parts, n, slices := p[0], p[1], int(int32(uint32(p[2]))), int(int32(uint32(p[3])))
		beta := math.Float32frombits(uint32(p[4]))
		for i := 0; i < n; i++ {
			var s float32
			for sl := 0; sl < slices; sl++ {
				s += e.f32(parts + uint64(4*(sl*n+i)))
			}
			if beta != 0 {
				s += beta * e.f32(out+uint64(4*i))
			}
			e.setF32(out+uint64(4*i), s)
		}
	}
	b, err := newBackend(e, Options{BatchLaunches: 3})
	if err != nil {
		t.Fatal(err)
	}
	b.thinPrefetch = false // the thin kernel emulated above
	return b, e
}

// splitKCases are (m, n, k) products that run thin (C with at most 16
// columns or rows: several K slices, a short last one, one slice) or split
// (few tiles, long K; K a multiple of the chunk or not), and one that does
// neither.
var splitKCases = [][3]int{{130, 8, 600}, {8, 70, 1037}, {700, 8, 1000}, {5, 520, 300}, {200, 3, 40},
	{3, 5, 2000}, {64, 64, 512}, {200, 200, 600}}

// checkSplitK runs every layout and beta on b and compares with a float64
// product; tol is relative to the sum of absolute terms.
func checkSplitK(t *testing.T, b *Backend, tol float64) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, c := range splitKCases {
		m, n, k := c[0], c[1], c[2]
		for combo := 0; combo < 8; combo++ {
			ta, tb, beta := combo&1 != 0, combo&2 != 0, float32(combo>>2)
			name := fmt.Sprintf("m%d_n%d_k%d_ta%v_tb%v_beta%v_S%d", m, n, k, ta, tb, beta, splitKSlices(m, n, k))
			av, bv, ov := randVec(rng, m*k), randVec(rng, k*n), randVec(rng, m*n)
			ash, bsh := []int{m, k}, []int{k, n}
			if ta {
				ash = []int{k, m}
			}
			if tb {
				bsh = []int{n, k}
			}
			A, B, O := b.New(tensor.F32, ash...), b.New(tensor.F32, bsh...), b.New(tensor.F32, m, n)
			b.Upload(A, av)
			b.Upload(B, bv)
			b.Upload(O, ov)
			b.MatMul(O, A, B, ta, tb, beta)
			got := make([]float32, m*n)
			b.Download(got, O)
			bad := 0
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					s, mag := float64(beta)*float64(ov[i*n+j]), math.Abs(float64(beta)*float64(ov[i*n+j]))
					for l := 0; l < k; l++ {
						x, y := float64(av[i*k+l]), float64(bv[l*n+j])
						if ta {
							x = float64(av[l*m+i])
						}
						if tb {
							y = float64(bv[j*k+l])
						}
						s += x * y
						mag += math.Abs(x * y)
					}
					if d := math.Abs(float64(got[i*n+j]) - s); !(d <= tol*mag+1e-6) {
						if bad < 3 {
							t.Errorf("%s: C[%d,%d] = %v, want %v", name, i, j, got[i*n+j], s)
						}
						bad++
					}
				}
			}
		}
	}
}

func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

func TestSplitKSlices(t *testing.T) {
	for _, c := range []struct{ m, n, k, want int }{
		{2048, 8, 3200, 8}, // LoRA x A^T at OpenLLaMA-3B: 32 tiles
		{8, 3200, 2048, 6}, // dA: 50 tiles
		{2048, 3200, 8, 1}, // dx += dh A: K = r
		{4096, 4096, 4096, 1},
		{64, 64, 511, 1},
		{1, 1, 100000, 32},
	} {
		if got := splitKSlices(c.m, c.n, c.k); got != c.want {
			t.Errorf("splitKSlices(%d, %d, %d) = %d, want %d", c.m, c.n, c.k, got, c.want)
		}
	}
}

func TestThinSlices(t *testing.T) {
	for _, c := range []struct{ rows, k, kSlice, slices int }{
		{2048, 3200, 192, 17}, // x A^T, dY B at OpenLLaMA-3B: 16 row blocks
		{3200, 2048, 192, 11}, // dB (out, r) and dA^T (in, r): 25 row blocks
		{200, 40, 64, 1},
		{520, 300, 128, 3}, // the last slice is short
	} {
		if ks, s := thinSlices(c.rows, c.k); ks != c.kSlice || s != c.slices {
			t.Errorf("thinSlices(%d, %d) = %d, %d; want %d, %d", c.rows, c.k, ks, s, c.kSlice, c.slices)
		}
	}
}

func TestMatMulSplitKEmulated(t *testing.T) {
	b, e := newEmuBackend(t)
	checkSplitK(t, b, 1e-5)
	if e.launched["gemm_f32"] == 0 || e.launched["gemm_f32_thin"] == 0 || e.launched["sum_slices_f32"] == 0 {
		t.Fatalf("launches: %d gemm_f32, %d gemm_f32_thin, %d sum_slices_f32", e.launched["gemm_f32"],
			e.launched["gemm_f32_thin"], e.launched["sum_slices_f32"])
	}
}
