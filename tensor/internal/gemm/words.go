// A view of BF16 bits as 32-bit words, for packing pairs of them.

package gemm

import "unsafe"

// wordsOf returns h's memory as float32 words: word i holds h[2i] in its
// low half and h[2i+1] in its high half (little-endian, as amd64 and
// arm64 are). A trailing odd element is not included. It returns nil when
// h does not start on a 4-byte boundary (a slice at an odd element), so
// that no misaligned word pointer is ever made; callers then take their
// element-by-element path.
func wordsOf(h []uint16) []float32 {
	if len(h) < 2 || uintptr(unsafe.Pointer(&h[0]))%4 != 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&h[0])), len(h)/2)
}
