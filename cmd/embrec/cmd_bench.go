// The bench command: micro-benchmarks of engine kernels, one subcommand
// each ("embrec bench gemm ..."). Other files add subcommands to
// benchCommands from their own init functions.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"embrec/tensor"
)

// benchCommand is one "embrec bench NAME" subcommand.
type benchCommand struct {
	name    string
	summary string
	usage   string // synopsis after "embrec bench", e.g. "gemm -m M -n N -k K"
	run     func(fs *flag.FlagSet, args []string, out io.Writer) error
}

var benchCommands = map[string]*benchCommand{}

// registerBench adds a bench subcommand; it panics on a duplicate name.
func registerBench(b *benchCommand) {
	if _, dup := benchCommands[b.name]; dup {
		panic("embrec: duplicate bench subcommand " + b.name)
	}
	benchCommands[b.name] = b
}

// benchOut is where bench results go (tests may replace it).
var benchOut io.Writer = os.Stdout

func init() {
	register(&command{
		name:    "bench",
		summary: "time engine kernels (embrec bench SUBCOMMAND -h for its flags)",
		usage:   "bench SUBCOMMAND [flags]   (embrec bench -h lists the subcommands)",
		run:     runBench,
	})
	registerBench(&benchCommand{
		name:    "gemm",
		summary: "time a GEMM C = op(A) op(B) and report GFLOP/s (median of repeats after warm-up): the CPU SGEMM, or with -device cuda the GPU's BF16 tensor-core GEMM (or -dtype f32), timed with CUDA events",
		usage:   "gemm -m M -n N -k K [-device cpu|cuda] [-dtype f32|bf16] [-variant V] [-batch B] [-threads T] [-layout NN|NT|TN|TT] [-repeats R] [-warmup W]",
		run:     runBenchGemm,
	})
}

func benchNames() []string {
	names := make([]string, 0, len(benchCommands)+1)
	for n := range benchCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// runBench dispatches on the first argument to a bench subcommand.
func runBench(fs *flag.FlagSet, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		out := fs.Output()
		fmt.Fprintf(out, "usage: embrec bench SUBCOMMAND [flags]\n\nsubcommands:\n")
		for _, n := range benchNames() {
			b := benchCommands[n]
			fmt.Fprintf(out, "  %-8s %s\n           embrec bench %s\n", n, b.summary, b.usage)
		}
		if len(args) == 0 {
			return errors.New("missing subcommand")
		}
		return flag.ErrHelp
	}
	b, ok := benchCommands[args[0]]
	if !ok {
		return fmt.Errorf("unknown subcommand %q (have %s)", args[0], strings.Join(benchNames(), ", "))
	}
	sub := flag.NewFlagSet("embrec bench "+b.name, flag.ContinueOnError)
	sub.SetOutput(fs.Output())
	sub.Usage = func() {
		fmt.Fprintf(sub.Output(), "usage: embrec bench %s\n\n%s\n\nflags:\n", b.usage, b.summary)
		sub.PrintDefaults()
	}
	return b.run(sub, args[1:], benchOut)
}

// runBenchGemm times tensor.CPU.MatMul (the packed SGEMM of
// tensor/internal/gemm) on random matrices, or with -device cuda the cuda
// Backend's MatMul (benchGemmCUDA).
func runBenchGemm(fs *flag.FlagSet, args []string, out io.Writer) error {
	m := fs.Int("m", 1024, "rows of C and op(A)")
	n := fs.Int("n", 1024, "columns of C and op(B)")
	k := fs.Int("k", 1024, "inner dimension")
	dev := addDeviceFlags(fs) // -device, -threads (worker goroutines on the CPU, 0: GOMAXPROCS)
	dtype := fs.String("dtype", "", "operand type: f32 (the CPU's default), or bf16 (both operands stored in BF16, float32 sums: VDPBF16PS on the CPU where it has AVX512_BF16; the tensor cores on cuda, the default there)")
	kernel := fs.String("kernel", "", "cpu: the SGEMM micro-kernel, or with -dtype bf16 the BF16 kernel (default the fastest; `embrec info` lists them)")
	variant := fs.String("variant", "", "cuda: the BF16 GEMM variant or per-product mode (as EMBREC_CUDA_GEMM; default the device's), e.g. v3k, auto-k")
	batch := fs.Int("batch", 1, "cuda: products in one batched launch (grid z)")
	layout := fs.String("layout", "NN", "transposes of A and B: NN (C=A*B), NT (C=A*B^T, linear layer y=x W^T), TN (C=A^T*B, weight gradient dW=dY^T X), TT")
	repeats := fs.Int("repeats", 10, "timed calls")
	warmup := fs.Int("warmup", 2, "untimed calls first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	lay := strings.ToUpper(*layout)
	if len(lay) != 2 || strings.Trim(lay, "NT") != "" {
		return fmt.Errorf("-layout %q: want NN, NT, TN or TT", *layout)
	}
	if *m <= 0 || *n <= 0 || *k <= 0 || *repeats <= 0 || *warmup < 0 || *batch <= 0 {
		return fmt.Errorf("need -m, -n, -k, -batch, -repeats > 0 and -warmup >= 0")
	}
	transA, transB := lay[0] == 'T', lay[1] == 'T'
	if *dev.device != "cpu" {
		return benchGemmCUDA(out, dev, gemmBench{*m, *n, *k, *batch, transA, transB, lay, *dtype, *variant, *repeats, *warmup})
	}
	if *dtype != "" && *dtype != "f32" && *dtype != "bf16" {
		return fmt.Errorf("-dtype %q: want f32 or bf16", *dtype)
	}
	if *variant != "" || *batch != 1 {
		return errors.New("-variant and -batch are for -device cuda; the CPU multiplies one product at a time")
	}
	bf16 := *dtype == "bf16"
	var err error
	if bf16 {
		err = tensor.SetCPUKernels("", *kernel)
	} else {
		err = tensor.SetCPUKernels(*kernel, "")
	}
	if err != nil {
		return err
	}
	cpu := tensor.NewCPU(*dev.threads)
	shapeA := []int{*m, *k}
	if transA {
		shapeA = []int{*k, *m}
	}
	shapeB := []int{*k, *n}
	if transB {
		shapeB = []int{*n, *k}
	}
	r := rand.New(rand.NewPCG(1, 2))
	a := randomTensor(cpu, r, shapeA)
	b := randomTensor(cpu, r, shapeB)
	c := cpu.New(tensor.F32, *m, *n)
	dt, kname := "f32", strings.Fields(cpu.Kernels())[1]
	if bf16 {
		a, b = toBF16(cpu, a), toBF16(cpu, b)
		dt, kname = "bf16", strings.TrimSuffix(strings.Fields(cpu.Kernels())[3], ",")
	}
	kname = strings.TrimSuffix(kname, ",")

	flop := 2 * float64(*m) * float64(*n) * float64(*k)
	for i := 0; i < *warmup; i++ {
		cpu.MatMul(c, a, b, transA, transB, 0)
	}
	gflops := make([]float64, *repeats)
	cpu0 := processCPUSeconds()
	for i := range gflops {
		t0 := time.Now()
		cpu.MatMul(c, a, b, transA, transB, 0)
		dt := time.Since(t0)
		gflops[i] = flop / dt.Seconds() / 1e9
		fmt.Fprintf(out, "repeat %d: %.3f ms, %.1f GFLOP/s\n", i, float64(dt.Microseconds())/1e3, gflops[i])
	}
	if cpuS := processCPUSeconds() - cpu0; cpuS > 0 {
		// On a shared machine wall time counts other jobs' time slices;
		// CPU time does not (but includes any spinning at barriers).
		fmt.Fprintf(out, "cputime: %.1f GFLOP per CPU-second (%d calls, %.3f s)\n", flop*float64(*repeats)/cpuS/1e9, *repeats, cpuS)
	}
	med, lo, hi := medianMinMax(gflops)
	fmt.Fprintf(out, "gemm %dx%dx%d %s %s threads=%d kernel %s: %.1f GFLOP/s (median of %d, min %.1f, max %.1f)\n",
		*m, *n, *k, lay, dt, cpu.Threads(), kname, med, *repeats, lo, hi)
	return nil
}

// toBF16 returns a BF16 copy of t (rounded to nearest even).
func toBF16(cpu *tensor.CPU, t *tensor.Tensor) *tensor.Tensor {
	h := cpu.New(tensor.BF16, t.Shape()...)
	cpu.Copy(h, t)
	return h
}

func randomTensor(cpu *tensor.CPU, r *rand.Rand, shape []int) *tensor.Tensor {
	t := cpu.New(tensor.F32, shape...)
	v := tensor.Float32s(t)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return t
}

// medianMinMax returns the median (mean of the middle two for an even
// count), minimum and maximum of x.
func medianMinMax(x []float64) (med, lo, hi float64) {
	s := slices.Clone(x)
	slices.Sort(s)
	h := len(s) / 2
	med = s[h]
	if len(s)%2 == 0 {
		med = (s[h-1] + s[h]) / 2
	}
	return med, s[0], s[len(s)-1]
}
