// Slice conversions: little-endian raw bytes <-> []float32, allocation-free.

package half

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// littleEndian reports whether the host stores the low byte first, in which
// case F32 data can be copied without byte swapping.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

func checkLen(op string, nbytes, nfloat, width int) {
	if nbytes != nfloat*width {
		panic(fmt.Sprintf("half: %s: %d bytes for %d values, want %d bytes", op, nbytes, nfloat, nfloat*width))
	}
}

// float32Bytes views the memory of f as bytes. A byte view has no alignment
// requirement, so this is valid for any f.
func float32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}

// DecodeF32 decodes little-endian binary32 values from src into dst.
// It panics unless len(src) == 4*len(dst).
func DecodeF32(dst []float32, src []byte) {
	checkLen("DecodeF32", len(src), len(dst), 4)
	if littleEndian {
		copy(float32Bytes(dst), src)
		return
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// EncodeF32 encodes src as little-endian binary32 values into dst.
// It panics unless len(dst) == 4*len(src).
func EncodeF32(dst []byte, src []float32) {
	checkLen("EncodeF32", len(dst), len(src), 4)
	if littleEndian {
		copy(dst, float32Bytes(src))
		return
	}
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

// DecodeBF16 decodes little-endian bfloat16 values from src into dst.
// It panics unless len(src) == 2*len(dst).
func DecodeBF16(dst []float32, src []byte) {
	checkLen("DecodeBF16", len(src), len(dst), 2)
	n := len(dst)
	src = src[:2*n] // lets the compiler drop the bounds checks below
	i := 0
	for ; i+4 <= n; i += 4 { // four values per 8-byte load
		w := binary.LittleEndian.Uint64(src[2*i:])
		d := dst[i : i+4 : i+4]
		d[0] = math.Float32frombits(uint32(w) << 16)
		d[1] = math.Float32frombits(uint32(w>>16) << 16)
		d[2] = math.Float32frombits(uint32(w>>32) << 16)
		d[3] = math.Float32frombits(uint32(w>>48) << 16)
	}
	for ; i < n; i++ {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

// EncodeBF16 rounds src to bfloat16 (ties to even) and writes the values
// little-endian into dst. It panics unless len(dst) == 2*len(src).
func EncodeBF16(dst []byte, src []float32) {
	checkLen("EncodeBF16", len(dst), len(src), 2)
	dst = dst[:2*len(src)]
	for i, v := range src {
		h := F32ToBF16(v)
		b := dst[2*i : 2*i+2]
		b[0] = byte(h)
		b[1] = byte(h >> 8)
	}
}

var (
	f16TableOnce sync.Once
	f16Table     *[1 << 16]float32
)

// f16ToF32Table returns the 65536-entry binary16 -> float32 table, built on
// first use.
func f16ToF32Table() *[1 << 16]float32 {
	f16TableOnce.Do(func() {
		t := new([1 << 16]float32)
		for i := range t {
			t[i] = F16ToF32(uint16(i))
		}
		f16Table = t
	})
	return f16Table
}

// DecodeF16 decodes little-endian IEEE binary16 values from src into dst.
// It panics unless len(src) == 2*len(dst).
func DecodeF16(dst []float32, src []byte) {
	checkLen("DecodeF16", len(src), len(dst), 2)
	if len(dst) == 0 {
		return
	}
	t := f16ToF32Table()
	src = src[:2*len(dst)]
	for i := range dst {
		b := src[2*i : 2*i+2]
		dst[i] = t[uint16(b[0])|uint16(b[1])<<8]
	}
}

// EncodeF16 rounds src to IEEE binary16 (ties to even) and writes the values
// little-endian into dst. It panics unless len(dst) == 2*len(src).
func EncodeF16(dst []byte, src []float32) {
	checkLen("EncodeF16", len(dst), len(src), 2)
	dst = dst[:2*len(src)]
	for i, v := range src {
		h := F32ToF16(v)
		b := dst[2*i : 2*i+2]
		b[0] = byte(h)
		b[1] = byte(h >> 8)
	}
}
