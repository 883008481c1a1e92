// ParseHeader: strict decoding and validation of the JSON header.

package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest header, in bytes, that Open and ParseHeader
// accept (the limit of the reference implementation).
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key holding the string->string metadata.
const metadataKey = "__metadata__"

// TensorInfo describes one tensor of a file: its element type, its shape
// (row-major, outer to inner; empty for a scalar) and where its bytes lie in
// the data buffer, as the half-open range [Begin, End) relative to the start
// of the buffer (not of the file).
type TensorInfo struct {
	Name       string
	DType      DType
	Shape      []int
	Begin, End int64
}

// NumElements returns the product of the shape (1 for a scalar).
func (t TensorInfo) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// Size returns the number of bytes of the tensor's data, End - Begin.
func (t TensorInfo) Size() int64 { return t.End - t.Begin }

// ParseHeader decodes and validates a safetensors JSON header (the N bytes
// after the 8-byte length) for a data buffer of dataLen bytes. It returns the
// tensors by name and the metadata (empty, never nil, when absent). See the
// package documentation for the rules; every violation is a *FormatError.
// ParseHeader never panics, whatever hdr holds.
func ParseHeader(hdr []byte, dataLen int64) (map[string]TensorInfo, map[string]string, error) {
	return parseHeader("", hdr, dataLen)
}

// headerParser walks the JSON token stream; path only labels errors.
type headerParser struct {
	path string
	dec  *json.Decoder
}

func (p *headerParser) errorf(tensor, format string, args ...any) error {
	return formatErr(p.path, tensor, format, args...)
}

// token returns the next token; where is what was being read, for the message.
func (p *headerParser) token(tensor, where string) (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.errorf(tensor, "header JSON ends early in %s", where)
		}
		return nil, p.errorf(tensor, "header is not valid JSON in %s: %v", where, err)
	}
	return tok, nil
}

func (p *headerParser) expectDelim(tensor, where string, want json.Delim) error {
	tok, err := p.token(tensor, where)
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return p.errorf(tensor, "%s: want %q, found %s", where, string(want), describe(tok))
	}
	return nil
}

// describe names a token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{', '}':
			return "an object"
		default:
			return "an array"
		}
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number:
		return "the number " + v.String()
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

func parseHeader(path string, hdr []byte, dataLen int64) (map[string]TensorInfo, map[string]string, error) {
	p := &headerParser{path: path}
	if dataLen < 0 {
		return nil, nil, p.errorf("", "negative data buffer length %d", dataLen)
	}
	if len(hdr) > MaxHeaderSize {
		return nil, nil, p.errorf("", "header is %d bytes, more than the limit of %d", len(hdr), MaxHeaderSize)
	}
	if !utf8.Valid(hdr) {
		return nil, nil, p.errorf("", "header is not valid UTF-8")
	}
	p.dec = json.NewDecoder(bytes.NewReader(hdr))
	p.dec.UseNumber()
	if err := p.expectDelim("", "header", '{'); err != nil {
		return nil, nil, err
	}
	tensors := make(map[string]TensorInfo)
	meta := make(map[string]string)
	sawMeta := false
	for p.dec.More() {
		tok, err := p.token("", "header")
		if err != nil {
			return nil, nil, err
		}
		name, ok := tok.(string)
		if !ok { // the decoder only yields strings as object keys; be safe anyway
			return nil, nil, p.errorf("", "header: want a key, found %s", describe(tok))
		}
		if name == metadataKey {
			if sawMeta {
				return nil, nil, p.errorf("", "duplicate key %q", metadataKey)
			}
			sawMeta = true
			if err := p.parseMetadata(meta); err != nil {
				return nil, nil, err
			}
			continue
		}
		if name == "" {
			return nil, nil, p.errorf("", "a tensor has an empty name")
		}
		if _, dup := tensors[name]; dup {
			return nil, nil, p.errorf(name, "duplicate key: the name appears twice in the header")
		}
		info, err := p.parseEntry(name)
		if err != nil {
			return nil, nil, err
		}
		tensors[name] = info
	}
	if err := p.expectDelim("", "header", '}'); err != nil {
		return nil, nil, err
	}
	for _, c := range hdr[p.dec.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, nil, p.errorf("", "header has data after the JSON object (byte %q at offset %d)", c, p.dec.InputOffset())
		}
	}
	if err := p.checkLayout(tensors, dataLen); err != nil {
		return nil, nil, err
	}
	return tensors, meta, nil
}

// parseMetadata reads the value of "__metadata__": an object of strings, or null.
func (p *headerParser) parseMetadata(meta map[string]string) error {
	tok, err := p.token("", metadataKey)
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return p.errorf("", "%s: want an object of strings, found %s", metadataKey, describe(tok))
	}
	for p.dec.More() {
		tok, err := p.token("", metadataKey)
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return p.errorf("", "%s: want a key, found %s", metadataKey, describe(tok))
		}
		if _, dup := meta[key]; dup {
			return p.errorf("", "%s: duplicate key %q", metadataKey, key)
		}
		tok, err = p.token("", metadataKey)
		if err != nil {
			return err
		}
		val, ok := tok.(string)
		if !ok {
			return p.errorf("", "%s: value of %q is %s, want a string", metadataKey, key, describe(tok))
		}
		meta[key] = val
	}
	return p.expectDelim("", metadataKey, '}')
}

// parseEntry reads one tensor's object {"dtype", "shape", "data_offsets"}.
// Other fields, missing fields and repeated fields are errors.
func (p *headerParser) parseEntry(name string) (TensorInfo, error) {
	info := TensorInfo{Name: name}
	if err := p.expectDelim(name, "entry", '{'); err != nil {
		return info, err
	}
	var haveDType, haveShape, haveOffsets bool
	for p.dec.More() {
		tok, err := p.token(name, "entry")
		if err != nil {
			return info, err
		}
		field, _ := tok.(string)
		switch field {
		case "dtype":
			if haveDType {
				return info, p.errorf(name, "duplicate field \"dtype\"")
			}
			haveDType = true
			tok, err := p.token(name, "dtype")
			if err != nil {
				return info, err
			}
			s, ok := tok.(string)
			if !ok {
				return info, p.errorf(name, "dtype is %s, want a string", describe(tok))
			}
			info.DType = DType(s)
			if !info.DType.Known() {
				return info, p.errorf(name, "unknown dtype %q", s)
			}
		case "shape":
			if haveShape {
				return info, p.errorf(name, "duplicate field \"shape\"")
			}
			haveShape = true
			dims, err := p.intArray(name, "shape", math.MaxInt)
			if err != nil {
				return info, err
			}
			info.Shape = make([]int, len(dims))
			for i, d := range dims {
				info.Shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return info, p.errorf(name, "duplicate field \"data_offsets\"")
			}
			haveOffsets = true
			offs, err := p.intArray(name, "data_offsets", math.MaxInt64)
			if err != nil {
				return info, err
			}
			if len(offs) != 2 {
				return info, p.errorf(name, "data_offsets has %d numbers, want 2", len(offs))
			}
			info.Begin, info.End = offs[0], offs[1]
		default:
			if _, ok := tok.(string); ok {
				return info, p.errorf(name, "unknown field %q (want dtype, shape, data_offsets)", field)
			}
			return info, p.errorf(name, "want a field name, found %s", describe(tok))
		}
	}
	if err := p.expectDelim(name, "entry", '}'); err != nil {
		return info, err
	}
	switch {
	case !haveDType:
		return info, p.errorf(name, "missing dtype")
	case !haveShape:
		return info, p.errorf(name, "missing shape")
	case !haveOffsets:
		return info, p.errorf(name, "missing data_offsets")
	}
	return info, nil
}

// intArray reads an array of integers in [0, limit]. Fractions, exponents
// and negative numbers are errors.
func (p *headerParser) intArray(name, field string, limit int64) ([]int64, error) {
	if err := p.expectDelim(name, field, '['); err != nil {
		return nil, err
	}
	var out []int64
	for p.dec.More() {
		tok, err := p.token(name, field)
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, p.errorf(name, "%s holds %s, want non-negative integers", field, describe(tok))
		}
		v, err := strconv.ParseInt(string(num), 10, 64)
		switch {
		case err != nil && errors.Is(err, strconv.ErrRange):
			return nil, p.errorf(name, "%s holds %s, out of range", field, num)
		case err != nil:
			return nil, p.errorf(name, "%s holds %s, want non-negative integers", field, num)
		case v < 0:
			return nil, p.errorf(name, "%s holds the negative number %d", field, v)
		case v > limit:
			return nil, p.errorf(name, "%s holds %d, more than %d", field, v, limit)
		}
		out = append(out, v)
	}
	if err := p.expectDelim(name, field, ']'); err != nil {
		return nil, err
	}
	if out == nil {
		out = []int64{}
	}
	return out, nil
}

// byteSize returns product(shape) * dtype size, or ok=false on int64 overflow.
func byteSize(shape []int, dt DType) (int64, bool) {
	n := int64(dt.Size())
	if slices.Contains(shape, 0) {
		return 0, true
	}
	for _, d := range shape {
		if d < 0 || int64(d) > math.MaxInt64/n {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}

// checkLayout checks every tensor's byte range against its shape and the
// buffer, and that no two ranges overlap. Holes between tensors are allowed.
func (p *headerParser) checkLayout(tensors map[string]TensorInfo, dataLen int64) error {
	list := make([]TensorInfo, 0, len(tensors))
	for _, name := range sortedKeys(tensors) {
		t := tensors[name]
		if t.Begin > t.End {
			return p.errorf(t.Name, "data_offsets [%d %d] begin after they end", t.Begin, t.End)
		}
		if t.End > dataLen {
			return p.errorf(t.Name, "data_offsets [%d %d] run past the end of the %d-byte data buffer", t.Begin, t.End, dataLen)
		}
		need, ok := byteSize(t.Shape, t.DType)
		if !ok {
			return p.errorf(t.Name, "shape %v %s has more bytes than fit in 64 bits", t.Shape, t.DType)
		}
		if need != t.Size() {
			return p.errorf(t.Name, "data_offsets [%d %d] hold %d bytes, shape %v %s needs %d", t.Begin, t.End, t.Size(), t.Shape, t.DType, need)
		}
		list = append(list, t)
	}
	slices.SortStableFunc(list, func(a, b TensorInfo) int {
		if a.Begin != b.Begin {
			return cmpInt64(a.Begin, b.Begin)
		}
		return cmpInt64(a.End, b.End)
	})
	var last *TensorInfo // the tensor reaching furthest so far
	for i := range list {
		t := &list[i]
		if last != nil && t.Begin < last.End {
			return p.errorf(t.Name, "data_offsets [%d %d] overlap tensor %q at [%d %d]", t.Begin, t.End, last.Name, last.Begin, last.End)
		}
		if last == nil || t.End >= last.End {
			last = t
		}
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
