// Protocol-buffer wire format, read by hand: just enough to walk the fields
// of a SentencePiece ModelProto without generated code or a dependency.
// Every read is bounds-checked and reports an error instead of panicking.

package tokenizer

import (
	"errors"
	"fmt"
	"math"
)

// Wire types of the protobuf encoding.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireStart   = 3 // deprecated group start
	wireEnd     = 4 // deprecated group end
	wireFixed32 = 5
)

var errTruncated = errors.New("truncated protobuf message")

// wireReader walks the fields of one protobuf message held in b.
type wireReader struct {
	b   []byte
	off int
}

// done reports whether every byte of the message has been read.
func (r *wireReader) done() bool { return r.off >= len(r.b) }

// varint reads a base-128 varint (at most 10 bytes).
func (r *wireReader) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 70; shift += 7 {
		if r.off >= len(r.b) {
			return 0, errTruncated
		}
		c := r.b[r.off]
		r.off++
		if shift == 63 && c > 1 {
			return 0, errors.New("varint overflows 64 bits")
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("varint longer than 10 bytes")
}

// key reads a field key and splits it into field number and wire type.
func (r *wireReader) key() (field int, wire int, err error) {
	k, err := r.varint()
	if err != nil {
		return 0, 0, err
	}
	if k>>3 == 0 || k>>3 > math.MaxInt32 {
		return 0, 0, fmt.Errorf("invalid field number %d", k>>3)
	}
	return int(k >> 3), int(k & 7), nil
}

// bytes reads a length-delimited payload; the result aliases the input.
func (r *wireReader) bytes() ([]byte, error) {
	n, err := r.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.b)-r.off) {
		return nil, errTruncated
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

// fixed32 reads a little-endian 32-bit value.
func (r *wireReader) fixed32() (uint32, error) {
	if len(r.b)-r.off < 4 {
		return 0, errTruncated
	}
	b := r.b[r.off:]
	r.off += 4
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, nil
}

// skip discards the value of a field of the given wire type.
func (r *wireReader) skip(wire int) error {
	switch wire {
	case wireVarint:
		_, err := r.varint()
		return err
	case wireFixed64:
		if len(r.b)-r.off < 8 {
			return errTruncated
		}
		r.off += 8
		return nil
	case wireBytes:
		_, err := r.bytes()
		return err
	case wireFixed32:
		_, err := r.fixed32()
		return err
	default:
		return fmt.Errorf("unsupported wire type %d", wire)
	}
}

// expect checks that a known field arrived with the wire type it must have.
func expect(field, got, want int) error {
	if got != want {
		return fmt.Errorf("field %d has wire type %d, want %d", field, got, want)
	}
	return nil
}

// int32Value reads a varint field holding a proto int32 (negative values are
// sign-extended to 64 bits on the wire).
func (r *wireReader) int32Value() (int32, error) {
	v, err := r.varint()
	if err != nil {
		return 0, err
	}
	i := int64(v)
	if i < math.MinInt32 || i > math.MaxInt32 {
		return 0, fmt.Errorf("int32 value %d out of range", i)
	}
	return int32(i), nil
}

// boolValue reads a varint field holding a bool.
func (r *wireReader) boolValue() (bool, error) {
	v, err := r.varint()
	return v != 0, err
}
