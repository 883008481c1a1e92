// Correctness tests for Sgemm against a naive float64 reference, on both
// micro-kernel paths, several thread counts and small block sizes.
//
// Tolerance: each element of C is a sum of k products rounded in float32,
// so its error is bounded by about k*u*sum_p |alpha*a_ip*b_pj| plus one or
// two roundings of the alpha and beta terms (u = 2^-24, Higham, "Accuracy
// and Stability of Numerical Algorithms", §3.1). The test allows
//
//	|got - ref| <= 2*(k+2)*u * (|alpha|*sum_p |a_ip||b_pj| + |beta*c_ij|) + 1e-30
//
// i.e. twice the worst-case bound; real errors are far smaller.

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// sentinels: NaN in A/B padding poisons any result that reads it; the C
// padding value must come back bit for bit.
var (
	padAB = float32(math.NaN())
	padC  = float32(-12345.678)
)

// matrix is a rows x cols row-major matrix with stride ld >= cols, padded
// with sentinel values after each row and after the last one.
type matrix struct {
	rows, cols, ld int
	data           []float32
}

func newMatrix(r *rand.Rand, rows, cols, pad int, sentinel float32) matrix {
	ld := max(1, cols+pad)
	n := rows*ld + 3 // 3 sentinels past the end
	m := matrix{rows, cols, ld, make([]float32, n)}
	for i := range m.data {
		m.data[i] = sentinel
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m.data[i*ld+j] = float32(r.NormFloat64())
		}
	}
	return m
}

func (m matrix) at(i, j int) float64 { return float64(m.data[i*m.ld+j]) }

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra elements per row in A, B and C
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("%s/%dx%dx%d/alpha=%g/beta=%g/pad=%d", layout(tc.transA, tc.transB), tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

func layout(ta, tb bool) string {
	s := []byte("NN")
	if ta {
		s[0] = 'T'
	}
	if tb {
		s[1] = 'T'
	}
	return string(s)
}

// operands builds A, B and C for tc; C is NaN-filled when beta == 0.
func (tc gemmCase) operands(seed uint64) (a, b, c matrix) {
	r := rand.New(rand.NewPCG(seed, 7))
	if tc.transA {
		a = newMatrix(r, tc.k, tc.m, tc.pad, padAB)
	} else {
		a = newMatrix(r, tc.m, tc.k, tc.pad, padAB)
	}
	if tc.transB {
		b = newMatrix(r, tc.n, tc.k, tc.pad, padAB)
	} else {
		b = newMatrix(r, tc.k, tc.n, tc.pad, padAB)
	}
	c = newMatrix(r, tc.m, tc.n, tc.pad, padC)
	if tc.beta == 0 {
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				c.data[i*c.ld+j] = float32(math.NaN())
			}
		}
	}
	return a, b, c
}

// check runs Sgemm on tc and compares with the float64 reference; it
// returns C for bitwise comparisons.
func check(t *testing.T, tc gemmCase, seed uint64) []float32 {
	t.Helper()
	a, b, c := tc.operands(seed)
	c0 := append([]float32(nil), c.data...)
	Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data, a.ld, b.data, b.ld, tc.beta, c.data, c.ld)
	const u = 1.0 / (1 << 24)
	opA := func(i, p int) float64 {
		if tc.transA {
			return a.at(p, i)
		}
		return a.at(i, p)
	}
	opB := func(p, j int) float64 {
		if tc.transB {
			return b.at(j, p)
		}
		return b.at(p, j)
	}
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var sum, abs float64
			for p := 0; p < tc.k; p++ {
				x := opA(i, p) * opB(p, j)
				sum += x
				abs += math.Abs(x)
			}
			ref := float64(tc.alpha) * sum
			absRef := math.Abs(float64(tc.alpha)) * abs
			if tc.beta != 0 {
				bc := float64(tc.beta) * float64(c0[i*c.ld+j])
				ref += bc
				absRef += math.Abs(bc)
			}
			got := float64(c.data[i*c.ld+j])
			tol := 2*float64(tc.k+2)*u*absRef + 1e-30
			if !(math.Abs(got-ref) <= tol) {
				if bad < 5 {
					t.Errorf("%v: C[%d,%d] = %g, want %g (tol %g)", tc, i, j, got, ref, tol)
				}
				bad++
			}
		}
	}
	// Padding and the tail of C are untouched.
	for idx, v := range c.data {
		i, j := idx/c.ld, idx%c.ld
		if (i >= tc.m || j >= tc.n) && math.Float32bits(v) != math.Float32bits(padC) {
			if bad < 5 {
				t.Errorf("%v: C padding element %d changed to %g", tc, idx, v)
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%v: %d bad elements in total", tc, bad)
	}
	return c.data
}

// paths are the configurations under test: each micro-kernel with its
// production blocking and with tiny blocks that make small problems cross
// every block boundary (mc, kc, nc) several times.
func paths() []config {
	small := func(c config, mcTiles, kc, ncTiles int) config {
		c.name += fmt.Sprintf("/mc%d-kc%d-nc%d", c.mr*mcTiles, kc, c.nr*ncTiles)
		c.mc, c.kc, c.nc = c.mr*mcTiles, kc, c.nr*ncTiles
		return c
	}
	var ps []config
	for _, c := range configs() { // every kernel this CPU runs
		ps = append(ps, c, small(c, 2, 7, 2))
		if c.kernelU != nil { // and with A packed where it reads A in place
			c.name += "/packedA"
			c.kernelU = nil
			ps = append(ps, c, small(c, 2, 7, 2))
		}
	}
	return ps
}

func withConfig(t *testing.T, c config, threads int) {
	old := setConfig(c)
	SetThreads(threads)
	t.Cleanup(func() { setConfig(old); SetThreads(0) })
}

var sizes = [][3]int{
	{0, 5, 3}, {5, 0, 3}, {4, 5, 0}, {0, 0, 0},
	{1, 1, 1}, {1, 17, 1}, {7, 1, 13}, {2, 3, 5},
	{6, 16, 1}, {6, 16, 8}, {12, 32, 7}, {13, 37, 29},
	{31, 17, 64}, {97, 101, 103}, {145, 49, 300}, {150, 35, 513},
}

func TestSgemm(t *testing.T) {
	scalars := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2.5}, {0, 0.5}, {1.5, 0}}
	for _, cfg := range paths() {
		for _, threads := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/threads=%d", cfg.name, threads), func(t *testing.T) {
				withConfig(t, cfg, threads)
				seed := uint64(1)
				for _, sz := range sizes {
					for lay := 0; lay < 4; lay++ {
						for si, ab := range scalars {
							// Keep the run short: the big sizes get fewer scalar pairs.
							if sz[0]*sz[1]*sz[2] > 50000 && si%2 == 1 {
								continue
							}
							tc := gemmCase{lay&2 != 0, lay&1 != 0, sz[0], sz[1], sz[2], ab[0], ab[1], (si + lay) % 3 * 2}
							check(t, tc, seed)
							seed++
						}
					}
				}
			})
		}
	}
}

// TestSgemmWidePanel crosses the production nc (4080 or 4096) and kc (256
// or 512).
func TestSgemmWidePanel(t *testing.T) {
	for _, cfg := range paths() {
		if cfg.nc < 1000 {
			continue
		}
		withConfig(t, cfg, 2)
		for lay := 0; lay < 4; lay++ {
			check(t, gemmCase{lay&2 != 0, lay&1 != 0, 13, 4100, 600, 1, 0.5, 3}, uint64(lay))
		}
	}
}

// TestThreadIndependence checks that C is bitwise the same for any number
// of threads (the documented guarantee), with B panels packed per worker
// where the call allows it and with the shared panel always.
func TestThreadIndependence(t *testing.T) {
	for _, shared := range []bool{false, true} {
		sharedBOnly = shared
		testThreadIndependence(t)
	}
	sharedBOnly = false
}

func testThreadIndependence(t *testing.T) {
	for _, cfg := range paths() {
		for _, tc := range []gemmCase{
			{false, false, 97, 101, 103, 1, 0, 1},
			{false, true, 150, 35, 513, -0.5, 2.5, 0},
			{true, false, 7, 300, 40, 1, 1, 2},
			{true, true, 200, 200, 64, 2, 0, 0},
		} {
			var first []float32
			for _, threads := range []int{1, 2, 3, 4, 7} {
				withConfig(t, cfg, threads)
				got := check(t, tc, 42)
				if first == nil {
					first = got
					continue
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
						t.Fatalf("%s %v: threads=%d differs from threads=1 at %d: %g vs %g", cfg.name, tc, threads, i, got[i], first[i])
					}
				}
			}
		}
	}
}

// TestAlphaZeroSkipsAB: alpha == 0 (and k == 0) must not read A or B.
func TestAlphaZeroSkipsAB(t *testing.T) {
	nan := float32(math.NaN())
	a := []float32{nan, nan, nan, nan}
	c := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 2, 0, a, 2, a, 2, 2, c, 2)
	for i, v := range c {
		if v != float32(2*(i+1)) {
			t.Fatalf("alpha=0: c = %v", c)
		}
	}
	c = []float32{nan, nan, nan, nan}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0, c, 2)
	for _, v := range c {
		if v != 0 {
			t.Fatalf("k=0 beta=0: c = %v", c)
		}
	}
}

func TestSgemmPanics(t *testing.T) {
	f := make([]float32, 100)
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"negative", func() { Sgemm(false, false, -1, 2, 2, 1, f, 2, f, 2, 0, f, 2) }, "negative size"},
		{"lda", func() { Sgemm(false, false, 2, 2, 3, 1, f, 2, f, 2, 0, f, 2) }, "ldA"},
		{"ldaT", func() { Sgemm(true, false, 4, 2, 3, 1, f, 3, f, 2, 0, f, 2) }, "ldA"},
		{"ldb", func() { Sgemm(false, true, 2, 2, 3, 1, f, 3, f, 2, 0, f, 2) }, "ldB"},
		{"ldc", func() { Sgemm(false, false, 2, 3, 2, 1, f, 2, f, 3, 0, f, 2) }, "ldC"},
		{"shortA", func() { Sgemm(false, false, 11, 2, 10, 1, f, 10, f, 2, 0, f, 2) }, "A has 100"},
		{"shortB", func() { Sgemm(false, false, 2, 11, 10, 1, f, 10, f, 11, 0, f, 11) }, "B has 100"},
		{"shortC", func() { Sgemm(false, false, 20, 6, 2, 1, f, 2, f, 6, 0, f, 6) }, "C has 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if !strings.HasPrefix(s, "gemm: ") || !strings.Contains(s, tc.want) {
					t.Fatalf("panic %v, want gemm: ...%s...", r, tc.want)
				}
			}()
			tc.call()
		})
	}
}

// TestSgemmNoAllocs: steady-state calls allocate nothing.
func TestSgemmNoAllocs(t *testing.T) {
	for _, cfg := range paths() {
		withConfig(t, cfg, 2)
		for _, lay := range []int{0, 1, 2, 3} {
			tc := gemmCase{lay&2 != 0, lay&1 != 0, 130, 70, 300, 1, 0.5, 1}
			if lay == 1 {
				tc.m, tc.n, tc.k = 30, 4200, 300 // several B panels and depth blocks
			}
			a, b, c := tc.operands(1)
			call := func() {
				Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a.data, a.ld, b.data, b.ld, tc.beta, c.data, c.ld)
			}
			call()
			if n := testing.AllocsPerRun(20, call); n != 0 {
				t.Errorf("%s %v: %v allocations per call", cfg.name, tc, n)
			}
		}
	}
}

func TestThreads(t *testing.T) {
	defer SetThreads(0)
	SetThreads(3)
	if Threads() != 3 {
		t.Fatalf("Threads() = %d after SetThreads(3)", Threads())
	}
	SetThreads(-1)
	if Threads() < 1 {
		t.Fatalf("Threads() = %d after reset", Threads())
	}
}

// TestConcurrentCallers: calls from several goroutines at once (the pool is
// busy, the others run alone), and SgemmSerial and Serial.Sgemm calls among
// them, give the same bits as sequential calls.
func TestConcurrentCallers(t *testing.T) {
	withConfig(t, defaultConfig(), 2)
	tcs := []gemmCase{
		{false, true, 97, 101, 300, 1, 0, 1},
		{true, false, 150, 35, 513, -0.5, 2.5, 0},
		{false, false, 64, 64, 64, 1, 1, 2},
	}
	want := make([][]float32, len(tcs))
	for i, tc := range tcs {
		want[i] = check(t, tc, uint64(i))
	}
	done := make(chan error)
	for g := 0; g < 6; g++ {
		go func() {
			tc := tcs[g%len(tcs)]
			a, b, c := tc.operands(uint64(g % len(tcs)))
			for rep := 0; rep < 5; rep++ {
				a2, b2, c2 := a, b, c
				c2.data = append([]float32(nil), c.data...)
				call := Sgemm
				var own Serial
				switch rep % 3 {
				case 1:
					call = SgemmSerial
				case 2:
					call = own.Sgemm
				}
				call(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a2.data, a2.ld, b2.data, b2.ld, tc.beta, c2.data, c2.ld)
				for i, v := range c2.data {
					if math.Float32bits(v) != math.Float32bits(want[g%len(tcs)][i]) {
						done <- fmt.Errorf("goroutine %d %v: element %d = %g, want %g", g, tc, i, v, want[g%len(tcs)][i])
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 6; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestPackBT16 checks the transposing packer (assembly on amd64) directly.
func TestPackBT16(t *testing.T) {
	for _, kc := range []int{1, 7, 8, 9, 17, 64, 257} {
		ldb := kc + 5
		src := make([]float32, 15*ldb+kc)
		for i := range src {
			src[i] = float32(i)
		}
		for _, ldd := range []int{16, 32} {
			d := make([]float32, ldd*kc+3)
			packBT16(d, src, ldb, kc, ldd)
			for p := 0; p < kc; p++ {
				for j := 0; j < ldd; j++ {
					want := float32(0)
					if j < 16 {
						want = src[j*ldb+p]
					}
					if d[p*ldd+j] != want {
						t.Fatalf("kc=%d ldd=%d: d[%d*%d+%d] = %g, want %g", kc, ldd, p, ldd, j, d[p*ldd+j], want)
					}
				}
			}
			if d[ldd*kc] != 0 {
				t.Fatalf("kc=%d: wrote past the panel", kc)
			}
		}
	}
}

func TestThreadGrid(t *testing.T) {
	cfg := config{mr: 6, nr: 16, mc: 144, kc: 256, nc: 4080}
	for _, tc := range []struct {
		threads, m, n, k, t, tm, tn int
		packsA                      bool
	}{
		{2, 2048, 2048, 2048, 2, 2, 1, true},
		{2, 256, 256, 2048, 2, 2, 1, true}, // dW of a 256x256 layer: row split, no repeated A packing
		{2, 6, 4096, 512, 2, 1, 2, true},   // one row panel: split the columns
		{2, 8, 8, 8, 1, 1, 1, true},        // too small to share
		{4, 2048, 2048, 2048, 4, 4, 1, true},
		{1, 2048, 2048, 2048, 1, 1, 1, true},
		{2, 510, 512, 512, 2, 2, 1, true},  // 85 row panels: an odd one out, cheaper than packing A twice
		{2, 510, 512, 512, 2, 1, 2, false}, // A read in place: nothing repeats, the columns split evenly
	} {
		th, tm, tn := threadGrid(tc.threads, tc.m, tc.n, tc.k, &cfg, tc.packsA)
		if th != tc.t || tm != tc.tm || tn != tc.tn {
			t.Errorf("threadGrid(%d, %dx%dx%d) = %d (%dx%d), want %d (%dx%d)", tc.threads, tc.m, tc.n, tc.k, th, tm, tn, tc.t, tc.tm, tc.tn)
		}
	}
}

// TestBuffersFitProblem checks that a small product allocates packing
// buffers for its own size, not the blocking's (an 8 MiB B panel for a
// 13 x 37 product would be paid by every attention worker's Serial).
func TestBuffersFitProblem(t *testing.T) {
	for _, cfg := range configs() {
		withConfig(t, cfg, 1)
		var s Serial
		tc := gemmCase{false, true, 13, 37, 29, 1, 0, 0}
		a, b, c := tc.operands(3)
		s.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1, a.data, a.ld, b.data, b.ld, 0, c.data, c.ld)
		wantA := roundUp(13, cfg.mr) * 29
		wantB := 29 * roundUp(37, cfg.nr)
		if got := len(s.s.w.apack); got != wantA {
			t.Errorf("%s: A buffer %d floats, want %d", cfg.name, got, wantA)
		}
		if got := len(s.s.team.bpack[0]); got != wantB {
			t.Errorf("%s: B buffer %d floats, want %d", cfg.name, got, wantB)
		}
	}
}

// TestPackA12 checks the twelve-row A packer (AVX transposes on amd64, Go
// for the depth steps past the last eight) directly, at offsets and
// strides that are not multiples of the vector width.
func TestPackA12(t *testing.T) {
	for _, kc := range []int{1, 7, 8, 9, 17, 64, 257, 512} {
		for _, extra := range []int{0, 3} {
			lda := kc + extra
			off := 5
			a := make([]float32, off+11*lda+kc)
			for i := range a {
				a[i] = float32(i)
			}
			d := make([]float32, 12*kc+3)
			d[12*kc], d[12*kc+1], d[12*kc+2] = -1, -1, -1
			packA12(d, a, lda, off, kc)
			for p := 0; p < kc; p++ {
				for i := 0; i < 12; i++ {
					if want := a[off+i*lda+p]; d[p*12+i] != want {
						t.Fatalf("kc=%d lda=%d: d[%d*12+%d] = %g, want %g", kc, lda, p, i, d[p*12+i], want)
					}
				}
			}
			if d[12*kc] != -1 || d[12*kc+2] != -1 {
				t.Fatalf("kc=%d: wrote past the panel", kc)
			}
		}
	}
}
