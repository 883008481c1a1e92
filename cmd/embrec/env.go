// The environment variables embrec reads, in one place: each maps onto a
// field of the options a library takes (the libraries read no environment
// themselves), and `embrec help env` lists them.

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"embrec/cuda"
)

// envVar is one environment variable of the embrec binary.
type envVar struct {
	name, values, what string
}

// envVars lists every environment variable the binary reads. The cuda
// ones apply to every command that opens the GPU (--device cuda, bench,
// info) and are for kernel work and comparisons; docs/gpu.md lists them
// with the flags of the GPU path.
var envVars = []envVar{
	{"EMBREC_CUDA_GEMM", "VARIANT|MODE", "BF16 GEMM variant or per-product mode (cuda.Options.GEMMVariant; bench gemm -variant); `embrec info` lists those that run here"},
	{"EMBREC_CUDA_DEBUG", "1", "synchronise after every kernel launch and name a faulting kernel (cuda.Options.Debug)"},
	{"EMBREC_CUDA_PROFILE", "1|grids", "GPU time per kernel, or per kernel and launch grid (cuda.Options.Profile/ProfileGrids; bench train -profile, -profile-grids)"},
	{"EMBREC_CUDA_ATTENTION", "f32|bf16", "f32: attention products in float32 instead of on the tensor cores (cuda.Options.AttentionF32)"},
	{"EMBREC_CUDA_FUSED_COPIES", "0|1", "0: the norms', RoPE's and attention's BF16 copies by separate passes, for comparisons (cuda.Options.UnfusedCopies)"},
	{"EMBREC_MEM_LIMIT", "BYTES", "memory a CPU training batch or WALS fit may plan for, instead of MemAvailable (tensor.CPU.SetMemLimit, wals.FitOptions.MemLimit)"},
}

// removedEnvVars were comparison switches of the GPU path; a binary that
// finds one set refuses to start rather than ignore it.
var removedEnvVars = []string{"EMBREC_CUDA_FUSED_DROPOUT", "EMBREC_CUDA_THIN_LOADS"}

func init() {
	register(&command{
		name:    "env",
		summary: "list the environment variables embrec reads (also: embrec help env)",
		usage:   "env",
		run:     runEnv,
	})
}

func runEnv(fs *flag.FlagSet, args []string) error {
	if len(args) > 1 || len(args) == 1 && args[0] != "-h" && args[0] != "-help" && args[0] != "--help" {
		return fmt.Errorf("env takes no arguments, got %q", args)
	}
	writeEnvHelp(cmdOut)
	return nil
}

func writeEnvHelp(w io.Writer) {
	fmt.Fprintln(w, "Environment variables embrec reads (unset: the default). The EMBREC_CUDA_* ones")
	fmt.Fprintln(w, "apply wherever the GPU is opened (--device cuda, bench, info); flags, where both")
	fmt.Fprintln(w, "exist, add to them. docs/gpu.md lists them with every flag of the GPU path.")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range envVars {
		fmt.Fprintf(tw, "  %s=%s\t%s\n", v.name, v.values, v.what)
	}
	tw.Flush()
}

// cudaOptions returns opts with the EMBREC_CUDA_* variables of getenv
// applied: a variable set turns its option on (or names the GEMM variant)
// and never turns off what opts, from the flags, asked for; a value out of
// its range is an error that names the variable.
func cudaOptions(opts cuda.Options, getenv func(string) string) (cuda.Options, error) {
	bad := func(name, v, want string) error {
		return fmt.Errorf("%s=%q: want %s", name, v, want)
	}
	for _, name := range removedEnvVars {
		if v := getenv(name); v != "" {
			return opts, fmt.Errorf("%s=%q: this switch was removed once its comparison was recorded (results/README.md); unset it", name, v)
		}
	}
	if v := getenv("EMBREC_CUDA_GEMM"); v != "" {
		if opts.GEMMVariant == "" {
			opts.GEMMVariant = v // the backend checks the name against its device
		}
	}
	switch v := getenv("EMBREC_CUDA_DEBUG"); v {
	case "", "0":
	case "1":
		opts.Debug = true
	default:
		return opts, bad("EMBREC_CUDA_DEBUG", v, "1 or 0")
	}
	switch v := getenv("EMBREC_CUDA_PROFILE"); v {
	case "", "0":
	case "1":
		opts.Profile = true
	case "grids":
		opts.ProfileGrids = true
	default:
		return opts, bad("EMBREC_CUDA_PROFILE", v, "1 or grids")
	}
	switch v := getenv("EMBREC_CUDA_ATTENTION"); v {
	case "", "bf16":
	case "f32":
		opts.AttentionF32 = true
	default:
		return opts, bad("EMBREC_CUDA_ATTENTION", v, "f32 or bf16")
	}
	for _, s := range []struct {
		name string
		opt  *bool
	}{{"EMBREC_CUDA_FUSED_COPIES", &opts.UnfusedCopies}} {
		switch v := getenv(s.name); v {
		case "", "1":
		case "0":
			*s.opt = true
		default:
			return opts, bad(s.name, v, "0 or 1")
		}
	}
	return opts, nil
}

// cudaOptionsFromEnv is cudaOptions with the process's environment.
func cudaOptionsFromEnv(opts cuda.Options) (cuda.Options, error) {
	return cudaOptions(opts, os.Getenv)
}

// memLimitFromEnv is EMBREC_MEM_LIMIT in bytes (0 when unset).
func memLimitFromEnv() (uint64, error) {
	v := os.Getenv("EMBREC_MEM_LIMIT")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("EMBREC_MEM_LIMIT %q: want a positive number of bytes", v)
	}
	return n, nil
}
