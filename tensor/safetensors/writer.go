// Writer: streaming, atomic creation of a safetensors file.

package safetensors

import (
	"embrec/internal/atomicfile"

	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"

	"embrec/tensor/half"
)

// Spec declares one tensor of a file being written: its bytes come later.
type Spec struct {
	Name  string
	DType DType
	Shape []int
}

// Writer streams tensors into a new safetensors file. The header is written
// first, from the specs, so each tensor's data can be written and dropped in
// turn; the file appears at its path only when Close succeeds.
type Writer struct {
	path    string
	tmp     *os.File
	bw      *bufio.Writer
	specs   []Spec
	sizes   []int64
	next    int   // index of the next spec to write
	err     error // first failure; sticky
	scratch []byte
}

// Create starts writing a safetensors file at path. Tensor data will lie in
// the data buffer in the order of specs, and WriteTensor/WriteFloat32 must be
// called in that order; the header lists "__metadata__" (when metadata is not
// empty) and then the tensors with keys sorted. The data goes to a temporary
// file in the same directory until Close renames it into place.
func Create(path string, specs []Spec, metadata map[string]string) (*Writer, error) {
	specs = slices.Clone(specs)
	sizes, hdr, err := buildHeader(path, specs, metadata)
	if err != nil {
		return nil, err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("safetensors: create %s: %w", path, atomicfile.Untemp(err))
	}
	w := &Writer{path: path, tmp: tmp, bw: bufio.NewWriterSize(tmp, 1<<20), specs: specs, sizes: sizes}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hdr)))
	w.write(lenBuf[:])
	w.write(hdr)
	if w.err != nil {
		err := w.err
		w.Abort()
		return nil, err
	}
	return w, nil
}

// buildHeader validates the specs and metadata and encodes the header,
// padded with spaces to a multiple of 8 bytes. It returns each tensor's size.
func buildHeader(path string, specs []Spec, metadata map[string]string) ([]int64, []byte, error) {
	type entry struct {
		spec       Spec
		begin, end int64
	}
	entries := make(map[string]entry, len(specs))
	sizes := make([]int64, len(specs))
	var off int64
	for i, s := range specs {
		switch {
		case s.Name == "":
			return nil, nil, formatErr(path, "", "a tensor has an empty name")
		case s.Name == metadataKey:
			return nil, nil, formatErr(path, s.Name, "name is reserved for metadata")
		case !utf8.ValidString(s.Name):
			return nil, nil, formatErr(path, s.Name, "name is not valid UTF-8")
		case !s.DType.Known():
			return nil, nil, formatErr(path, s.Name, "unknown dtype %q", s.DType)
		}
		if _, dup := entries[s.Name]; dup {
			return nil, nil, formatErr(path, s.Name, "duplicate tensor name")
		}
		for _, d := range s.Shape {
			if d < 0 {
				return nil, nil, formatErr(path, s.Name, "shape %v has a negative dimension", s.Shape)
			}
		}
		n, ok := byteSize(s.Shape, s.DType)
		if !ok || off+n < off {
			return nil, nil, formatErr(path, s.Name, "shape %v %s has more bytes than fit in 64 bits", s.Shape, s.DType)
		}
		sizes[i] = n
		entries[s.Name] = entry{s, off, off + n}
		off += n
	}
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	if len(metadata) > 0 {
		sep()
		writeJSONString(&b, metadataKey)
		b.WriteString(":{")
		for i, k := range sortedKeys(metadata) {
			v := metadata[k]
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, nil, formatErr(path, "", "%s: key %q or its value is not valid UTF-8", metadataKey, k)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, k)
			b.WriteByte(':')
			writeJSONString(&b, v)
		}
		b.WriteByte('}')
	}
	for _, name := range sortedKeys(entries) {
		e := entries[name]
		sep()
		writeJSONString(&b, name)
		fmt.Fprintf(&b, `:{"dtype":"%s","shape":[`, e.spec.DType)
		for i, d := range e.spec.Shape {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, d)
		}
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, e.begin, e.end)
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderSize {
		return nil, nil, formatErr(path, "", "header would be %d bytes, more than the limit of %d", b.Len(), MaxHeaderSize)
	}
	return sizes, b.Bytes(), nil
}

// writeJSONString appends s as a JSON string without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // a string always encodes
	b.Truncate(b.Len() - 1) // Encode adds a newline
}

func (w *Writer) write(p []byte) {
	if w.err != nil {
		return
	}
	if _, err := w.bw.Write(p); err != nil {
		w.err = fmt.Errorf("safetensors: write %s: %w", w.path, atomicfile.Untemp(err))
	}
}

// expect checks that name is the next tensor to write and returns its index.
func (w *Writer) expect(name string) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.tmp == nil {
		return 0, formatErr(w.path, name, "writer is closed")
	}
	if w.next >= len(w.specs) {
		return 0, formatErr(w.path, name, "all %d declared tensors are already written", len(w.specs))
	}
	if want := w.specs[w.next].Name; name != want {
		return 0, formatErr(w.path, name, "written out of order: tensor %q comes next", want)
	}
	return w.next, nil
}

// WriteTensor writes the raw little-endian bytes of the next tensor, which
// must be named name and hold exactly its declared size.
func (w *Writer) WriteTensor(name string, data []byte) error {
	i, err := w.expect(name)
	if err != nil {
		return err
	}
	if int64(len(data)) != w.sizes[i] {
		s := w.specs[i]
		return formatErr(w.path, name, "%d bytes given, shape %v %s needs %d", len(data), s.Shape, s.DType, w.sizes[i])
	}
	w.write(data)
	w.next++
	return w.err
}

// WriteFloat32 writes the next tensor from float32 values, encoding them to
// its declared dtype (F32, F16 or BF16; halves round to nearest even)
// through a fixed-size buffer.
func (w *Writer) WriteFloat32(name string, data []float32) error {
	i, err := w.expect(name)
	if err != nil {
		return err
	}
	s := w.specs[i]
	if !s.DType.IsFloat32Convertible() {
		return formatErr(w.path, name, "dtype %s cannot be written from float32", s.DType)
	}
	width := int64(s.DType.Size())
	if int64(len(data))*width != w.sizes[i] {
		return formatErr(w.path, name, "%d values given, shape %v has %d", len(data), s.Shape, w.sizes[i]/width)
	}
	const chunk = 1 << 16
	if w.scratch == nil {
		w.scratch = make([]byte, 4*chunk)
	}
	for len(data) > 0 && w.err == nil {
		n := min(len(data), chunk)
		buf := w.scratch[:n*int(width)]
		switch s.DType {
		case F32:
			half.EncodeF32(buf, data[:n])
		case F16:
			half.EncodeF16(buf, data[:n])
		case BF16:
			half.EncodeBF16(buf, data[:n])
		}
		w.write(buf)
		data = data[n:]
	}
	w.next++
	return w.err
}

// Close checks that every declared tensor was written, flushes and syncs the
// temporary file and renames it to the path, then syncs the directory. On
// any failure the temporary file is removed and nothing appears at path.
func (w *Writer) Close() error {
	if w.tmp == nil {
		return w.err
	}
	if w.err == nil && w.next < len(w.specs) {
		w.err = formatErr(w.path, w.specs[w.next].Name, "not written (%d of %d tensors written)", w.next, len(w.specs))
	}
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.err = fmt.Errorf("safetensors: write %s: %w", w.path, atomicfile.Untemp(err))
		}
	}
	if w.err == nil {
		w.err = w.commit()
	}
	if w.err != nil {
		w.Abort()
		return w.err
	}
	return nil
}

func (w *Writer) commit() error {
	tmp := w.tmp
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("safetensors: write %s: %w", w.path, atomicfile.Untemp(err))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("safetensors: sync %s: %w", w.path, atomicfile.Untemp(err))
	}
	w.tmp = nil
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("safetensors: close %s: %w", w.path, atomicfile.Untemp(err))
	}
	if err := os.Rename(tmp.Name(), w.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("safetensors: rename into %s: %w", w.path, atomicfile.Untemp(err))
	}
	if err := syncDir(filepath.Dir(w.path)); err != nil {
		return fmt.Errorf("safetensors: sync directory of %s: %w", w.path, err)
	}
	return nil
}

// Abort discards the file being written: the temporary file is closed and
// removed and later calls fail. It is safe to call after Close.
func (w *Writer) Abort() error {
	if w.err == nil {
		w.err = formatErr(w.path, "", "writer aborted")
	}
	if w.tmp == nil {
		return nil
	}
	tmp := w.tmp
	w.tmp = nil
	cerr := tmp.Close()
	rerr := os.Remove(tmp.Name())
	if err := errors.Join(cerr, rerr); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("safetensors: abort %s: %w", w.path, err)
	}
	return nil
}
