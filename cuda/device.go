// The device seam: the Backend (pure Go) records work as a command stream of
// uint64 words, and a device executes it. The real device (device_cu.go,
// build tag cuda) runs each stream with one cgo call on the goroutine that
// owns the CUDA context; the fake device of the tests (no GPU) checks every
// command against the kernels' PTX signatures instead.

package cuda

import (
	"fmt"
	"math"

	"embrec/kernels"
)

// Command stream opcodes. Every command is a run of uint64 words:
//
//	opLaunch   fn gx gy gz bx by bz shmem nparams param...  (one word per parameter,
//	           the value in its low bytes: the driver reads sizeof(param) bytes)
//	opUpload   dst nbytes data...  (host bytes inline, ceil(nbytes/8) words)
//	opMemset   dst nbytes          (zero bytes)
//	opCopy     dst src nbytes      (device to device)
//	opRecord   event               (record a CUDA event)
const (
	opLaunch = 1 + iota
	opUpload
	opMemset
	opCopy
	opRecord
)

// device executes command streams in order on one CUDA stream.
type device interface {
	// describe returns the device's name, total memory in bytes, compute
	// capability (major*10 + minor) and number of multiprocessors.
	describe() (name string, mem int64, cc, sms int)
	// arena returns the base address and size of the device memory that
	// the Backend sub-allocates.
	arena() (base uint64, size int64)
	// function returns the handle of a loaded kernel.
	function(name string) (uint64, error)
	// submit queues cmds for execution and returns at once; done is called
	// (on any goroutine) once cmds may be reused.
	submit(cmds []uint64, done func())
	// wait blocks until every submitted stream has run and returns the
	// first error since the last wait.
	wait() error
	// download copies len(dst) bytes from src after all queued work.
	download(dst []byte, src uint64) error
	// upload copies src to dst in stream order; src may be reused on return.
	upload(dst uint64, src []byte) error
	// tensorMap encodes the tensor map of a TMA GEMM operand (tma.go).
	tensorMap(s tmaSpec) (tmaMap, error)
	// newEvent creates an event; elapsed returns the milliseconds between
	// two recorded events once they have completed.
	newEvent() (uint64, error)
	elapsed(start, end uint64) (float64, error)
	close() error
}

// Parameter kinds, as in the PTX .param declarations: q = .u64 (pointers,
// long long), i = .u32 (int), f = .f32 (float), h = .u16.
type arg struct {
	kind byte
	bits uint64
}

func argI32(v int) arg {
	if v < math.MinInt32 || v > math.MaxInt32 {
		panic(fmt.Sprintf("cuda: kernel argument %d does not fit in int32", v))
	}
	return arg{'i', uint64(uint32(int32(v)))}
}

func argF32(v float32) arg { return arg{'f', uint64(math.Float32bits(v))} }
func argU64(v uint64) arg  { return arg{'q', v} }
func argI64(v int) arg     { return arg{'q', uint64(int64(v))} }
func argU16(v uint16) arg  { return arg{'h', uint64(v)} }
func argPtr(p uint64) arg  { return arg{'q', p} }

func argBool(v bool) arg {
	if v {
		return arg{'i', 1}
	}
	return arg{'i', 0}
}

// signatures returns the parameter kinds of every kernel (kernels.Table,
// generated from the PTX).
func signatures() (map[string]string, error) {
	sigs := map[string]string{}
	for _, k := range kernels.Table {
		if _, dup := sigs[k.Name]; dup {
			return nil, fmt.Errorf("cuda: kernel %s listed twice", k.Name)
		}
		sigs[k.Name] = k.Params
	}
	return sigs, nil
}
