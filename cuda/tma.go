// Tensor maps of the TMA GEMM (kernels/gemm_tma.cu, variants v3g and
// v3h): what each operand's map describes, its encoding for the
// emulator, and a cache of the maps copied to device memory.
//
// A tensor map (CUtensorMap) is 128 opaque bytes that the TMA reads from
// global memory. On a GPU the driver encodes it (cuTensorMapEncodeTiled,
// device_cu.go); the emulator of the tests reads its own layout
// (emuTensorMap, decoded by kernels/emu/main.cc). Either way the Backend
// copies it into a table in device memory in stream order, before the
// first launch that reads it, and keeps it there for later products over
// the same operand: a training step's products read the same arena
// buffers every step, so after the first step no map is encoded or
// copied again. When the table is full it starts over from its first
// slot; the copy that overwrites a slot is queued after every kernel that
// read the slot's old map (one stream), as for the staging ring.

package cuda

import (
	"fmt"
	"math"

	"embrec/tensor"
)

// tmaSpec describes one operand of a TMA GEMM: BF16 matrices at addr,
// dim0 elements along the contiguous dimension, dim1 rows stride1 bytes
// apart, dim2 batches stride2 bytes apart, copied in boxes of box0 x box1
// elements (one batch deep) with the 128-byte swizzle.
type tmaSpec struct {
	addr             uint64
	dim0, dim1, dim2 uint64
	stride1, stride2 uint64
	box0, box1       uint32
}

// tmaMap holds the 128 bytes of a tensor map.
type tmaMap [16]uint64

// The emulator's tensor map layout: the word indices of kernels/emu/main.cc.
const (
	emuTmaMagic = 0x50414d54554d45 // "EMUTMAP"
	emuTmaWords = 11               // magic addr dim0 dim1 dim2 stride1 stride2 box0 box1 elem swizzle
)

// emuTensorMap encodes s in the emulator's layout: BF16 elements, the
// 128-byte swizzle.
func emuTensorMap(s tmaSpec) tmaMap {
	var m tmaMap
	copy(m[:], []uint64{emuTmaMagic, s.addr, s.dim0, s.dim1, s.dim2, s.stride1, s.stride2,
		uint64(s.box0), uint64(s.box1), 2, 128})
	return m
}

// tmaOperand returns the tensor map spec of a BF16 GEMM operand at addr
// stored as batches of (rows, cols) with leading dimension ld and batch
// stride stride (elements), copied in boxes of 64 x boxRows, and whether
// the TMA can read it: 16-byte aligned, rows a multiple of 16 bytes
// apart, batches too, extents within the map's limits.
func tmaOperand(addr uint64, rows, cols, ld, batches, stride, boxRows int) (tmaSpec, bool) {
	s := tmaSpec{addr: addr, dim0: uint64(cols), dim1: uint64(rows), dim2: uint64(batches),
		stride1: 2 * uint64(ld), box0: 64, box1: uint32(boxRows)}
	s.stride2 = s.stride1 * s.dim1
	if batches > 1 {
		s.stride2 = 2 * uint64(stride)
	}
	ok := addr%16 == 0 && rows > 0 && cols > 0 && batches > 0 && ld >= cols && s.stride1%16 == 0 &&
		s.stride2%16 == 0 && s.stride1 < 1<<40 && s.stride2 < 1<<40 && max(rows, cols, batches) <= math.MaxInt32
	return s, ok
}

// tmaTableMaps is how many maps the device table holds (128 bytes each).
const tmaTableMaps = 2048

// tmaCache is the device table of tensor maps and where each spec's map is.
type tmaCache struct {
	buf  *tensor.Tensor // the table (kept referenced: the arena frees unreachable tensors)
	base uint64
	at   map[tmaSpec]uint64
	next int // the next free slot
}

// tensorMap returns the device address of the tensor map for s, encoding
// it and queueing its copy on first use.
func (b *Backend) tensorMap(s tmaSpec) uint64 {
	c := &b.tma
	if a, ok := c.at[s]; ok {
		return a
	}
	if c.at == nil {
		c.buf = b.New(tensor.F32, tmaTableMaps*128/4) // 256-byte aligned: every slot 64-byte aligned
		c.base = addr(c.buf)
		c.at = map[tmaSpec]uint64{}
	}
	if c.next == tmaTableMaps { // full: start over (stream order keeps earlier readers safe)
		clear(c.at)
		c.next = 0
	}
	m, err := b.dev.tensorMap(s)
	if err != nil {
		panic(fmt.Errorf("cuda: tensor map of a %dx%dx%d BF16 operand at %#x (row stride %d bytes, box %dx%d): %w",
			s.dim2, s.dim1, s.dim0, s.addr, s.stride1, s.box1, s.box0, err))
	}
	dst := c.base + uint64(128*c.next)
	c.next++
	c.at[s] = dst
	b.cmds = append(b.cmds, opUpload, dst, 128)
	b.cmds = append(b.cmds, m[:]...)
	b.counted()
	return dst
}
