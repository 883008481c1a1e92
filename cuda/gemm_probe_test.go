// Index probes of the tensor-core GEMM: products whose every output names
// the element it was computed from, so that a wrong shared-memory layout,
// descriptor stride or fragment mapping (the wgmma kernels' first runs)
// shows as a readable map of what was read instead of a numeric error.
// Values are small integers, exact in BF16 and float32. TestGEMMIndexProbes
// (gemm_test.go) runs them on the test backend: the GPU with the cuda tag,
// else the host-compiled kernels.

package cuda

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"embrec/tensor"
)

// variantsUnderTest returns the BF16 GEMM variants to test and time:
// every one, or the comma-separated names in EMBREC_TEST_GEMM
// (scripts/gpu-check.sh tries the wgmma variants in a process of their own
// first, since a kernel fault ends the process's CUDA context, and leaves
// them out of the later runs if they failed), less those whose kernels
// do not run on b's device (the wgmma ones off Hopper); a variant named
// in EMBREC_TEST_GEMM that does not run fails the test.
func variantsUnderTest(tb testing.TB, b *Backend) []string {
	names := GEMMBF16Variants()
	env := os.Getenv("EMBREC_TEST_GEMM")
	named := env != ""
	if named {
		names = strings.Split(env, ",")
		for _, v := range names {
			if !slices.Contains(GEMMBF16Variants(), v) {
				tb.Fatalf("EMBREC_TEST_GEMM: no variant %q (have %v)", v, GEMMBF16Variants())
			}
		}
	}
	var out []string
	for _, v := range names {
		switch mod := bf16Variant(v).module; {
		case b.runsVariant(bf16Variant(v)):
			out = append(out, v)
		case named:
			// asked for by name (gpu-check.sh's gate): not running it must
			// not pass as if it had
			tb.Fatalf("EMBREC_TEST_GEMM names %s, whose kernels (module %s) do not run on %s: %v", v, mod,
				b.Name(), b.Skipped()[mod])
		default:
			tb.Logf("variant %s: its kernels (%s) do not run on %s", v, mod, b.Name())
		}
	}
	return out
}

// probe is one probe product: a(i, k) and b(k, j) give the operands and
// want(i, j) the exact product; what decodes a wrong value.
type probe struct {
	name string
	a, b func(i, k, j int) float32 // b is called with i = -1, a with j = -1
	want func(i, j int) float32
	what string
}

// gemmProbes, for a K-deep product (K <= 250):
//   - rows: A(i, k) = i%250 + 1 at k = 0, B(0, j) = 1: C(i, j) is 1 + the A
//     row that reached output row i;
//   - cols: A(i, 0) = 1, B(0, j) = j%250 + 1: 1 + the B column that reached
//     output column j;
//   - depth: A(i, k) = 1 where k = i%K, B(k, j) = k + 1: 1 + the k at which
//     A and B met (A's k-th element paired with B's row k).
func gemmProbes(K int) []probe {
	return []probe{
		{"rows", func(i, k, _ int) float32 { return float32(b2f(k == 0) * (i%250 + 1)) },
			func(_, k, _ int) float32 { return float32(b2f(k == 0)) },
			func(i, _ int) float32 { return float32(i%250 + 1) }, "1 + A row"},
		{"cols", func(_, k, _ int) float32 { return float32(b2f(k == 0)) },
			func(_, k, j int) float32 { return float32(b2f(k == 0) * (j%250 + 1)) },
			func(_, j int) float32 { return float32(j%250 + 1) }, "1 + B column"},
		{"depth", func(i, k, _ int) float32 { return float32(b2f(k == i%K)) },
			func(_, k, _ int) float32 { return float32(k + 1) },
			func(i, _ int) float32 { return float32(i%K + 1) }, "1 + k"},
	}
}

func b2f(v bool) int {
	if v {
		return 1
	}
	return 0
}

// TestGEMMIndexProbesCatch: the probes name what a kernel read wrong. On
// the host-compiled kernels, with the v3a kernel's B pointer moved one
// row (ldb elements) on, so that B stored (N, K) is read one column off,
// the "cols" probe fails and names the column each output came from.
func TestGEMMIndexProbesCatch(t *testing.T) {
	b := newHostBackend(t, Options{})
	d := b.dev.(*hostDevice)
	name := bf16Variant("v3a").kernel(false, true)
	d.alter = func(kernel string, p []uint64) {
		if kernel == name {
			p[2] += 2 * p[7] // B + ldb bf16 elements
		}
	}
	t.Setenv("EMBREC_TEST_GEMM", "v3a")
	fails := runGEMMProbes(t, b, [][3]int{{64, 128, 16}})
	if !strings.Contains(strings.Join(fails, "\n"), "v3a cols (m 64, n 128, k 16, transA false, transB true): 8192 of 8192 wrong (value = 1 + B column): (0,0): 2, want 1;") {
		t.Errorf("shifted B not caught: %q", fails)
	}
}

// runGEMMProbes runs every probe for every variant under test and layout,
// at each size (m, n, k), on b; it returns one line per failing case.
func runGEMMProbes(t *testing.T, b *Backend, sizes [][3]int) []string {
	var fails []string
	for _, sz := range sizes {
		m, n, k := sz[0], sz[1], sz[2]
		for _, p := range gemmProbes(k) {
			for layout := 0; layout < 4; layout++ {
				ta, tb := layout&2 != 0, layout&1 != 0
				ash, bsh := []int{m, k}, []int{k, n}
				if ta {
					ash = []int{k, m}
				}
				if tb {
					bsh = []int{n, k}
				}
				av, bv := make([]float32, m*k), make([]float32, k*n)
				for i := 0; i < m; i++ {
					for kk := 0; kk < k; kk++ {
						at := i*k + kk
						if ta {
							at = kk*m + i
						}
						av[at] = p.a(i, kk, -1)
					}
				}
				for kk := 0; kk < k; kk++ {
					for j := 0; j < n; j++ {
						at := kk*n + j
						if tb {
							at = j*k + kk
						}
						bv[at] = p.b(-1, kk, j)
					}
				}
				A, B, C := b.New(tensor.BF16, ash...), b.New(tensor.BF16, bsh...), b.New(tensor.F32, m, n)
				b.Upload(A, av)
				b.Upload(B, bv)
				for _, variant := range variantsUnderTest(t, b) {
					b.gemmVariant = variant
					b.MatMul(C, A, B, ta, tb, 0)
					got := make([]float32, m*n)
					b.Download(got, C)
					bad, sample := 0, ""
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							if w := p.want(i, j); got[i*n+j] != w {
								if bad < 6 {
									sample += fmt.Sprintf(" (%d,%d): %v, want %v;", i, j, got[i*n+j], w)
								}
								bad++
							}
						}
					}
					if bad > 0 {
						fails = append(fails, fmt.Sprintf("%s %s (m %d, n %d, k %d, transA %v, transB %v): %d of %d wrong (value = %s):%s",
							variant, p.name, m, n, k, ta, tb, bad, m*n, p.what, sample))
					}
				}
			}
		}
	}
	return fails
}
