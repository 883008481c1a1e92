// Package kernels holds embrec's CUDA kernels: the CUDA C sources (*.cu),
// the PTX generated from them (*.ptx, committed, embedded here) and the
// table of kernel names the cuda package loads. It is data only: no cgo,
// no GPU code, importable from any build.
//
// `go generate ./kernels` runs gen.sh, which holds every nvcc flag and
// regenerates every *.ptx from its *.cu: sm_80 PTX, JIT-compiled by the
// driver on Hopper too, except gemm_wgmma and gemm_tma, sm_90a PTX that
// runs on compute capability 9.0 only (Runs). CI regenerates the PTX and
// fails if it differs from what is committed, and assembles the sm_90a
// modules with a CUDA 12 ptxas (scripts/ci-cuda.sh).
//
// The same sources also compile for the CPU: emu/ (emu.h, main.cc) is a
// small emulator of CUDA's execution model that the cuda package's tests
// build with the host C++ compiler, so the kernels run without a GPU. The
// inline PTX sits behind named functions, in ptx.cuh (mma.sync, ldmatrix,
// cp.async), wgmma.cuh (the sm_90a wgmma of gemm_wgmma and gemm_tma) and
// tma.cuh (the TMA copies of gemm_tma), which the emulator replaces.
package kernels

//go:generate ./gen.sh

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

//go:embed *.ptx
var ptxFiles embed.FS

// Kernel names one extern "C" kernel and the module (PTX file without
// extension) that defines it.
type Kernel struct {
	Name, Module string
}

// Table lists every kernel, grouped by module. kernels_test.go checks it
// against the .entry directives of the embedded PTX in both directions.
var Table = []Kernel{
	{"gelu_forward_f32", "act"}, {"gelu_backward_f32", "act"},
	{"swiglu_forward_f32", "act"}, {"swiglu_backward_f32", "act"},
	{"swiglu_forward_bf16in", "act"}, {"swiglu_backward_bf16in", "act"},
	{"swiglu_forward_f32_bf16out", "act"}, {"swiglu_backward_f32_bf16out", "act"},
	{"swiglu_forward_bf16in_bf16out", "act"}, {"swiglu_backward_bf16in_bf16out", "act"},
	{"swiglu_forward_save_f32", "act"}, {"swiglu_forward_save_bf16out", "act"},

	{"masked_softmax_f32", "attention"}, {"softmax_backward_f32", "attention"},
	{"masked_softmax_f32_bf16", "attention"}, {"softmax_backward_bf16", "attention"},
	{"pack_heads_bf16", "attention"}, {"unpack_heads_f32", "attention"},
	{"pack_heads_bf16_x4", "attention"}, {"unpack_heads_f32_x4", "attention"},
	{"unpack_heads_f32_copy", "attention"},

	{"flash_forward_bf16", "flash"}, {"flash_backward_dot", "flash"},
	{"flash_backward_dkdv", "flash"}, {"flash_backward_dq", "flash"},
	{"flash_forward_bf16_bf16in", "flash"}, {"flash_backward_dkdv_bf16in", "flash"},
	{"flash_backward_dq_bf16in", "flash"},

	{"fill_u32", "elementwise"}, {"fill_u16", "elementwise"},
	{"add_f32", "elementwise"}, {"add_scaled_f32", "elementwise"},
	{"mul_f32", "elementwise"}, {"scale_f32", "elementwise"},
	{"sum_squares_f32", "elementwise"},
	{"add_bias_f32", "elementwise"}, {"col_sum_accum_f32", "elementwise"},
	{"f32_to_bf16", "elementwise"}, {"f32_to_bf16_x4", "elementwise"}, {"f32_to_f16", "elementwise"},
	{"bf16_to_f32", "elementwise"}, {"f16_to_f32", "elementwise"},
	{"bf16_to_f16", "elementwise"}, {"f16_to_bf16", "elementwise"},

	{"embedding_forward_f32", "embed"}, {"embedding_forward_bf16", "embed"},
	{"embedding_backward_f32", "embed"}, {"scatter_rows_f32", "embed"},

	{"gemm_bf16_nn", "gemm_bf16"}, {"gemm_bf16_nt", "gemm_bf16"},
	{"gemm_bf16_tn", "gemm_bf16"}, {"gemm_bf16_tt", "gemm_bf16"},
	{"gemm_bf16_v2a_nn", "gemm_bf16"}, {"gemm_bf16_v2a_nt", "gemm_bf16"},
	{"gemm_bf16_v2a_tn", "gemm_bf16"}, {"gemm_bf16_v2a_tt", "gemm_bf16"},
	{"gemm_bf16_v2b_nn", "gemm_bf16"}, {"gemm_bf16_v2b_nt", "gemm_bf16"},
	{"gemm_bf16_v2b_tn", "gemm_bf16"}, {"gemm_bf16_v2b_tt", "gemm_bf16"},
	{"gemm_bf16_v2c_nn", "gemm_bf16"}, {"gemm_bf16_v2c_nt", "gemm_bf16"},
	{"gemm_bf16_v2c_tn", "gemm_bf16"}, {"gemm_bf16_v2c_tt", "gemm_bf16"},
	{"gemm_bf16_v2d_nn", "gemm_bf16"}, {"gemm_bf16_v2d_nt", "gemm_bf16"},
	{"gemm_bf16_v2d_tn", "gemm_bf16"}, {"gemm_bf16_v2d_tt", "gemm_bf16"},

	{"gemm_wgmma_v3a_nn", "gemm_wgmma"}, {"gemm_wgmma_v3a_nt", "gemm_wgmma"},
	{"gemm_wgmma_v3a_tn", "gemm_wgmma"}, {"gemm_wgmma_v3a_tt", "gemm_wgmma"},
	{"gemm_wgmma_v3b_nn", "gemm_wgmma"}, {"gemm_wgmma_v3b_nt", "gemm_wgmma"},
	{"gemm_wgmma_v3b_tn", "gemm_wgmma"}, {"gemm_wgmma_v3b_tt", "gemm_wgmma"},
	{"gemm_wgmma_v3c_nn", "gemm_wgmma"}, {"gemm_wgmma_v3c_nt", "gemm_wgmma"},
	{"gemm_wgmma_v3c_tn", "gemm_wgmma"}, {"gemm_wgmma_v3c_tt", "gemm_wgmma"},
	{"gemm_wgmma_v3d_nn", "gemm_wgmma"}, {"gemm_wgmma_v3d_nt", "gemm_wgmma"},
	{"gemm_wgmma_v3d_tn", "gemm_wgmma"}, {"gemm_wgmma_v3d_tt", "gemm_wgmma"},
	{"gemm_wgmma_v3e_nn", "gemm_wgmma"}, {"gemm_wgmma_v3e_nt", "gemm_wgmma"},
	{"gemm_wgmma_v3e_tn", "gemm_wgmma"}, {"gemm_wgmma_v3e_tt", "gemm_wgmma"},
	{"gemm_wgmma_v3f_nn", "gemm_wgmma"}, {"gemm_wgmma_v3f_nt", "gemm_wgmma"},
	{"gemm_wgmma_v3f_tn", "gemm_wgmma"}, {"gemm_wgmma_v3f_tt", "gemm_wgmma"},
	{"gemm_wgmma_v3k_nn", "gemm_wgmma"}, {"gemm_wgmma_v3k_nt", "gemm_wgmma"},
	{"gemm_wgmma_v3k_tt", "gemm_wgmma"},

	{"gemm_tma_v3g_nn", "gemm_tma"}, {"gemm_tma_v3g_nt", "gemm_tma"},
	{"gemm_tma_v3g_tn", "gemm_tma"}, {"gemm_tma_v3g_tt", "gemm_tma"},
	{"gemm_tma_v3h_nn", "gemm_tma"}, {"gemm_tma_v3h_nt", "gemm_tma"},
	{"gemm_tma_v3h_tn", "gemm_tma"}, {"gemm_tma_v3h_tt", "gemm_tma"},
	{"gemm_tma_v3i_nn", "gemm_tma"}, {"gemm_tma_v3i_nt", "gemm_tma"},
	{"gemm_tma_v3i_tn", "gemm_tma"}, {"gemm_tma_v3i_tt", "gemm_tma"},
	{"gemm_tma_v3j_nn", "gemm_tma"}, {"gemm_tma_v3j_nt", "gemm_tma"},
	{"gemm_tma_v3j_tn", "gemm_tma"}, {"gemm_tma_v3j_tt", "gemm_tma"},
	{"gemm_tma_v3l_nn", "gemm_tma"}, {"gemm_tma_v3l_nt", "gemm_tma"},
	{"gemm_tma_v3l_tt", "gemm_tma"},

	{"gemm_f32", "gemm_f32"}, {"gemm_f32_thin", "gemm_f32"},
	{"gemm_f32_thin_drop", "gemm_f32"}, {"gemm_f32_drop_out", "gemm_f32"},
	{"gemm_f32_thin_pf", "gemm_f32"}, {"gemm_f32_thin_drop_pf", "gemm_f32"},
	{"gemm_f32_thin_pf8", "gemm_f32"}, {"gemm_f32_thin_drop_pf8", "gemm_f32"},
	{"sum_slices_f32", "gemm_f32"},

	{"cross_entropy_forward_f32", "loss"}, {"cross_entropy_backward_f32", "loss"},

	{"rmsnorm_forward_f32", "norm"}, {"rmsnorm_forward_copy_f32", "norm"},
	{"rmsnorm_backward_f32", "norm"}, {"rmsnorm_backward_add_f32", "norm"},
	{"rmsnorm_dweight_f32", "norm"},

	{"dropout_forward_f32", "optim"}, {"adamw_f32", "optim"},

	{"rope_f32", "rope"}, {"rope_copy_f32", "rope"},
}

// Modules returns the module names of Table in order of first appearance.
func Modules() []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range Table {
		if !seen[k.Module] {
			seen[k.Module] = true
			out = append(out, k.Module)
		}
	}
	return out
}

// ModuleOf returns the module of the kernel called name ("" if none).
func ModuleOf(name string) string {
	for _, k := range Table {
		if k.Name == name {
			return k.Module
		}
	}
	return ""
}

// PTX returns the PTX text of a module (NUL-terminated, as
// cuModuleLoadData wants it).
func PTX(module string) (string, error) {
	b, err := ptxFiles.ReadFile(module + ".ptx")
	if err != nil {
		return "", fmt.Errorf("kernels: no PTX module %q: %w", module, err)
	}
	return string(b) + "\x00", nil
}

var targetRE = regexp.MustCompile(`(?m)^\.target (sm_\d+a?)$`)

// targets maps each module to its PTX's .target, read once.
var targets = sync.OnceValue(func() map[string]string {
	t := map[string]string{}
	for _, mod := range Modules() {
		if b, err := ptxFiles.ReadFile(mod + ".ptx"); err == nil {
			if m := targetRE.FindSubmatch(b); m != nil {
				t[mod] = string(m[1])
			}
		}
	}
	return t
})

// Target returns the .target of a module's PTX ("sm_80", "sm_90a").
func Target(module string) (string, error) {
	t, ok := targets()[module]
	if !ok {
		return "", fmt.Errorf("kernels: no PTX module %q with a .target line", module)
	}
	return t, nil
}

// ArchSpecific reports whether a module is architecture-specific PTX
// (sm_90a): an optional fast path that runs on one compute capability.
func ArchSpecific(module string) bool {
	t, err := Target(module)
	return err == nil && strings.HasSuffix(t, "a")
}

// Runs reports whether a module's PTX can be JIT-compiled for a device of
// compute capability cc (major*10 + minor): PTX for sm_XY runs on any
// cc >= XY, architecture-specific PTX (sm_90a) on cc 90 only.
func Runs(module string, cc int) bool {
	t, err := Target(module)
	if err != nil {
		return false
	}
	var v int
	var a string
	fmt.Sscanf(t, "sm_%d%s", &v, &a)
	if a == "a" {
		return cc == v
	}
	return cc >= v
}
