// The CPU backend: storage, allocation, host transfer and dtype conversion.

package tensor

import (
	"fmt"

	"embrec/tensor/half"
	"embrec/tensor/internal/gemm"
)

// CPU is the pure-Go backend (plus amd64 assembly for matmul). It is not
// safe for concurrent use: one goroutine drives it, and it splits heavy ops
// over its own worker pool.
type CPU struct {
	pool     *pool
	memLimit uint64 // bytes a planned allocation may take (0: what the machine has)
	// Job structs of the parallel ops, reused so dispatch allocates nothing.
	ceFwd  ceFwdJob
	ceBwd  ceBwdJob
	rmsFwd rmsFwdJob
	rmsBwd rmsBwdJob
	act    actJob
	adamw  adamwJob // AdamW's job, kept so that a step allocates nothing
	gemv   gemvJob
	drop   dropJob
	ropeJ  ropeJob
	attn   attnJob
	attnWs chan *attnWorker // per-worker attention state (SGEMM buffers, dP)
	// invariant: MatMul's result rows do not depend on the row count
	// (SetBatchInvariant).
	invariant bool
}

var _ Backend = (*CPU)(nil)

// NewCPU returns a CPU backend using threads goroutines for heavy ops
// (threads <= 0: GOMAXPROCS). It also sets the matmul kernel's thread count,
// which is process-wide.
func NewCPU(threads int) *CPU {
	c := &CPU{pool: newPool(threads)}
	gemm.SetThreads(c.pool.workers)
	return c
}

// SetMemLimit sets the memory (bytes) that work planned for this backend
// may take, e.g. a training batch's activations (0: what the machine has
// available).
func (c *CPU) SetMemLimit(bytes uint64) { c.memLimit = bytes }

// MemLimit is the budget SetMemLimit set (0: none).
func (c *CPU) MemLimit() uint64 { return c.memLimit }

// Threads is the number of goroutines heavy ops use.
func (c *CPU) Threads() int { return c.pool.workers }

// Name implements Allocator.
func (c *CPU) Name() string { return fmt.Sprintf("cpu (%d threads)", c.pool.workers) }

// cpuStorage is host memory: f32 for F32, u16 for F16 and BF16 bits.
type cpuStorage struct {
	dt  DType
	f32 []float32
	u16 []uint16
}

func (s *cpuStorage) Len() int {
	if s.dt == F32 {
		return len(s.f32)
	}
	return len(s.u16)
}

func (s *cpuStorage) DType() DType { return s.dt }

// New implements Allocator.
func (c *CPU) New(dt DType, shape ...int) *Tensor {
	n := numel(shape)
	s := &cpuStorage{dt: dt}
	switch dt {
	case F32:
		s.f32 = make([]float32, n)
	case F16, BF16:
		s.u16 = make([]uint16, n)
	default:
		panic(fmt.Sprintf("tensor: unknown dtype %v", dt))
	}
	return NewTensor(s, 0, shape...)
}

// FromFloat32 wraps data (not copied) as an F32 CPU tensor; len(data) must
// equal the product of shape. The caller must not resize data afterwards.
func FromFloat32(data []float32, shape ...int) *Tensor {
	if numel(shape) != len(data) {
		panic(fmt.Sprintf("tensor: %d values for shape %v", len(data), shape))
	}
	return NewTensor(&cpuStorage{dt: F32, f32: data}, 0, shape...)
}

// Float32s returns the elements of an F32 CPU tensor as a slice sharing its
// memory. It panics for other backends or dtypes.
func Float32s(t *Tensor) []float32 {
	s, ok := t.st.(*cpuStorage)
	if !ok {
		panic(fmt.Sprintf("tensor: %v is not a CPU tensor", t))
	}
	if s.dt != F32 {
		panic(fmt.Sprintf("tensor: %v is not F32; convert with Copy first", t))
	}
	return s.f32[t.off : t.off+t.n : t.off+t.n]
}

func halfs(t *Tensor) []uint16 {
	s, ok := t.st.(*cpuStorage)
	if !ok {
		panic(fmt.Sprintf("tensor: %v is not a CPU tensor", t))
	}
	return s.u16[t.off : t.off+t.n : t.off+t.n]
}

// Upload implements Allocator.
func (c *CPU) Upload(dst *Tensor, src []float32) {
	checkLen("Upload", dst.Len(), len(src))
	switch dst.DType() {
	case F32:
		copy(Float32s(dst), src)
	case F16:
		d := halfs(dst)
		for i, v := range src {
			d[i] = half.F32ToF16(v)
		}
	case BF16:
		half.RoundBF16(halfs(dst)[:len(src)], src)
	}
}

// Download implements Allocator.
func (c *CPU) Download(dst []float32, src *Tensor) {
	checkLen("Download", len(dst), src.Len())
	switch src.DType() {
	case F32:
		copy(dst, Float32s(src))
	case F16:
		for i, v := range halfs(src) {
			dst[i] = half.F16ToF32(v)
		}
	case BF16:
		for i, v := range halfs(src) {
			dst[i] = half.BF16ToF32(v)
		}
	}
}

// Copy implements Elementwise: same-dtype copies are memmoves, others
// convert through float32.
func (c *CPU) Copy(dst, src *Tensor) {
	checkLen("Copy", dst.Len(), src.Len())
	switch {
	case src.DType() == F32:
		c.Upload(dst, Float32s(src))
	case dst.DType() == F32:
		c.Download(Float32s(dst), src)
	case dst.DType() == src.DType():
		copy(halfs(dst), halfs(src))
	default: // F16 <-> BF16
		d, s := halfs(dst), halfs(src)
		for i, v := range s {
			if src.DType() == F16 {
				d[i] = half.F32ToBF16(half.F16ToF32(v))
			} else {
				d[i] = half.F32ToF16(half.BF16ToF32(v))
			}
		}
	}
}

func checkLen(op string, a, b int) {
	if a != b {
		panic(fmt.Sprintf("tensor: %s: length %d != %d", op, a, b))
	}
}

func checkSame(op string, ts ...*Tensor) {
	for _, t := range ts[1:] {
		if t.Len() != ts[0].Len() {
			panic(fmt.Sprintf("tensor: %s: %v and %v differ in size", op, ts[0], t))
		}
	}
}
