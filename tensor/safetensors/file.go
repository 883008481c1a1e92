// File: a read-only, memory-mapped safetensors file.

package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"slices"

	"embrec/tensor/half"
)

// File is an open safetensors file. Its data is memory-mapped read-only
// (read into memory on systems without mmap). All methods but Close are safe
// for concurrent use; Close must not run concurrently with any other method,
// and slices returned by Bytes must not be used after Close.
type File struct {
	path    string
	mapped  []byte // the whole file; nil once closed
	release func([]byte) error
	dataOff int64  // file offset of the data buffer (8 + header length)
	data    []byte // the data buffer, a view of mapped
	tensors map[string]TensorInfo
	names   []string
	meta    map[string]string
}

// Open maps the safetensors file at path and validates its header. A
// malformed file gives a *FormatError naming the file and, where it is about
// one, the tensor.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, formatErr(path, "", "not a regular file")
	}
	size := st.Size()
	if size < 8 {
		return nil, formatErr(path, "", "file is %d bytes, too short to hold the 8-byte header length", size)
	}
	if uint64(size) > math.MaxInt {
		return nil, formatErr(path, "", "file is %d bytes, too large to map on this platform", size)
	}
	var lenBuf [8]byte
	if _, err := f.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors: read %s: %w", path, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, formatErr(path, "", "header length %d is more than the limit of %d", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, formatErr(path, "", "header length %d runs past the end of the %d-byte file", n, size)
	}
	mapped, release, err := mapFile(f, int(size))
	if err != nil {
		return nil, fmt.Errorf("safetensors: map %s: %w", path, err)
	}
	hdrEnd := 8 + int64(n)
	tensors, meta, err := parseHeader(path, mapped[8:hdrEnd], size-hdrEnd)
	if err != nil {
		release(mapped)
		return nil, err
	}
	return &File{
		path:    path,
		mapped:  mapped,
		release: release,
		dataOff: hdrEnd,
		data:    mapped[hdrEnd:],
		tensors: tensors,
		names:   sortedKeys(tensors),
		meta:    meta,
	}, nil
}

// Close unmaps the file. Further calls return errors; Close is idempotent.
func (f *File) Close() error {
	if f.mapped == nil {
		return nil
	}
	m := f.mapped
	f.mapped, f.data = nil, nil
	if err := f.release(m); err != nil {
		return fmt.Errorf("safetensors: unmap %s: %w", f.path, err)
	}
	return nil
}

// Path returns the path the file was opened with.
func (f *File) Path() string { return f.path }

// Names returns the tensor names in sorted order. The slice is a copy.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Info returns the description of the named tensor. The Shape slice is a copy.
func (f *File) Info(name string) (TensorInfo, bool) {
	t, ok := f.tensors[name]
	t.Shape = slices.Clone(t.Shape)
	return t, ok
}

// Metadata returns a copy of the header's "__metadata__" (empty, not nil,
// when the file has none).
func (f *File) Metadata() map[string]string {
	m := make(map[string]string, len(f.meta))
	for k, v := range f.meta {
		m[k] = v
	}
	return m
}

// DataOffset returns the file offset of the data buffer: the offsets of
// TensorInfo are relative to it.
func (f *File) DataOffset() int64 { return f.dataOff }

// lookup finds a tensor of an open file.
func (f *File) lookup(name string) (TensorInfo, error) {
	if f.mapped == nil {
		return TensorInfo{}, formatErr(f.path, name, "file is closed")
	}
	t, ok := f.tensors[name]
	if !ok {
		return TensorInfo{}, formatErr(f.path, name, "no such tensor")
	}
	return t, nil
}

// Bytes returns the raw little-endian bytes of the named tensor: a view of
// the read-only mapping, not a copy. Writing to it faults; it is valid until
// Close.
func (f *File) Bytes(name string) ([]byte, error) {
	t, err := f.lookup(name)
	if err != nil {
		return nil, err
	}
	return f.data[t.Begin:t.End:t.End], nil
}

// Float32 returns the named tensor converted to a new []float32. The tensor
// must be F32, F16 or BF16.
func (f *File) Float32(name string) ([]float32, error) {
	t, err := f.lookup(name)
	if err != nil {
		return nil, err
	}
	if !t.DType.IsFloat32Convertible() {
		return nil, formatErr(f.path, name, "dtype %s does not convert to float32 (want F32, F16 or BF16)", t.DType)
	}
	n := t.NumElements()
	if n > math.MaxInt {
		return nil, formatErr(f.path, name, "%d elements are too many for a slice on this platform", n)
	}
	out := make([]float32, n)
	decode(out, f.data[t.Begin:t.End], t.DType)
	return out, nil
}

// ReadFloat32Into converts the named tensor into dst, which must have exactly
// as many elements as the tensor. It allocates nothing.
func (f *File) ReadFloat32Into(name string, dst []float32) error {
	t, err := f.lookup(name)
	if err != nil {
		return err
	}
	if !t.DType.IsFloat32Convertible() {
		return formatErr(f.path, name, "dtype %s does not convert to float32 (want F32, F16 or BF16)", t.DType)
	}
	if n := t.NumElements(); int64(len(dst)) != n {
		return formatErr(f.path, name, "destination holds %d values, shape %v has %d", len(dst), t.Shape, n)
	}
	decode(dst, f.data[t.Begin:t.End], t.DType)
	return nil
}

func decode(dst []float32, src []byte, dt DType) {
	switch dt {
	case F32:
		half.DecodeF32(dst, src)
	case F16:
		half.DecodeF16(dst, src)
	case BF16:
		half.DecodeBF16(dst, src)
	default:
		panic("safetensors: decode: unsupported dtype " + string(dt))
	}
}
