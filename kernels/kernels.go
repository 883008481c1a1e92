// Package kernels holds embrec's CUDA kernels: the CUDA C sources (*.cu),
// the PTX generated from them (*.ptx, committed) and the
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
// The PTX is embedded only in binaries built with -tags cuda (ptx_cuda.go):
// the default, CPU-only binary carries the table alone (table_gen.go,
// generated from the PTX by gentable.go: names, modules, parameter kinds
// and targets), which is all the cuda package's CPU tests need.
//
// The same sources also compile for the CPU: emu/ (emu.h, main.cc) is a
// small emulator of CUDA's execution model that the cuda package's tests
// build with the host C++ compiler, so the kernels run without a GPU. The
// inline PTX sits behind named functions, in ptx.cuh (mma.sync, ldmatrix,
// cp.async), wgmma.cuh (the sm_90a wgmma of gemm_wgmma and gemm_tma) and
// tma.cuh (the TMA copies of gemm_tma), which the emulator replaces.
package kernels

//go:generate ./gen.sh
//go:generate go run gentable.go

import (
	"fmt"
	"strings"
)

// Kernel names one extern "C" kernel, the module (PTX file without
// extension) that defines it, and its parameters' kinds, one byte each: q
// a 64-bit value (pointers), i 32-bit, f float32, h 16-bit. Table
// (table_gen.go, generated from the PTX) lists them all.
type Kernel struct {
	Name, Module, Params string
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

// Target returns the .target of a module's PTX ("sm_80", "sm_90a").
func Target(module string) (string, error) {
	t, ok := moduleTargets[module]
	if !ok {
		return "", fmt.Errorf("kernels: no PTX module %q", module)
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
