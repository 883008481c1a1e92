// The info command: which backend this binary runs on, the device, and the
// build (tags, CPU features). The cuda variant fills gpuInfo from
// cmd_info_cuda.go.

package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/sys/cpu"

	"embrec/tensor"
)

// gpuInfo writes the GPU section; nil in builds without the cuda tag.
var gpuInfo func(w io.Writer) error

func init() {
	register(&command{
		name:    "info",
		summary: "print the backend, device, memory and build tags of this binary",
		usage:   "info",
		run:     runInfo,
	})
}

func runInfo(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return writeInfo(cmdOut)
}

func writeInfo(w io.Writer) error {
	tags, cgo := "", "0"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "-tags":
				tags = s.Value
			case "CGO_ENABLED":
				cgo = s.Value
			}
		}
	}
	backend := "cpu"
	if gpuInfo != nil {
		backend = "cuda"
	}
	fmt.Fprintf(w, "backend:    %s\n", backend)
	fmt.Fprintf(w, "build:      %s %s/%s, tags %q, CGO_ENABLED=%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, tags, cgo)
	fmt.Fprintf(w, "cpu:        %d logical CPUs, GOMAXPROCS %d, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuFeatures())
	cpuBackend := tensor.NewCPU(0)
	fmt.Fprintf(w, "cpu backend: %s\n", cpuBackend.Name())
	sg, bf := tensor.CPUKernels()
	fmt.Fprintf(w, "cpu kernels: %s (available: sgemm %s; bf16 %s; vec %s)\n", cpuBackend.Kernels(), strings.Join(sg, " "), strings.Join(bf, " "),
		strings.Join(tensor.VectorLevels(), " "))
	if gpuInfo == nil {
		fmt.Fprintln(w, "cuda:       not built (rebuild with -tags cuda; see scripts/cuda-env.sh)")
		return nil
	}
	return gpuInfo(w)
}

func cpuFeatures() string {
	switch runtime.GOARCH {
	case "amd64":
		return fmt.Sprintf("AVX2 %v, FMA %v, AVX-512F %v, AVX512_BF16 %v, AMX-BF16 %v", cpu.X86.HasAVX2, cpu.X86.HasFMA, cpu.X86.HasAVX512F,
			cpu.X86.HasAVX512BF16, cpu.X86.HasAMXBF16)
	case "arm64":
		return fmt.Sprintf("ASIMD %v", cpu.ARM64.HasASIMD)
	}
	return "no SIMD kernels on " + runtime.GOARCH
}
