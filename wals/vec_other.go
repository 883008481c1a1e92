// vec_other.go: on architectures without an assembly kernel the solvers use
// the portable Go kernels of vec.go.

//go:build !amd64

package wals

import "embrec/internal/vec"

func dot(a, b []float32) float32            { return vec.DotGo(a, b) }
func axpy(alpha float32, x, y []float32)    { vec.AxpyGo(alpha, x, y) }
func symv(out, g, v []float32)              { symvGo(out, g, v) }
func gemvT(out, m, v []float32, stride int) { gemvTGo(out, m, v, stride) }

// KernelName says which vector kernels are in use.
func KernelName() string { return "go" }

func accum(out, v, y []float32, cols []int32, c0, c1 []float32) { accumGo(out, v, y, cols, c0, c1) }
