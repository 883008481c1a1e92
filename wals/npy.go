// npy.go: reading NumPy's .npy arrays and .npz archives (a zip of .npy
// files, as np.savez and implicit's model.save write them): the header is
// parsed here (format versions 1-3, little-endian or byte-order-free
// dtypes, C order only). Floats (f4, f8) come back as float32; integer and
// unicode arrays (i4, i8, u4, u8, <U) as strings, for id lists.

package wals

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// npyArray is one decoded array: floats or strings, with its shape.
type npyArray struct {
	shape  []int
	floats []float32 // f4, f8
	strs   []string  // i4, i8, u4, u8, U (ids)
}

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// readNpy decodes one .npy stream; name is for errors.
func readNpy(r io.Reader, name string) (*npyArray, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("%s: not a .npy array (no \\x93NUMPY magic)", name)
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%s: truncated header", name)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%s: truncated header", name)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("%s: .npy format version %d.%d not supported", name, pre[6], pre[7])
	}
	if hlen > 1<<20 {
		return nil, fmt.Errorf("%s: .npy header of %d bytes", name, hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("%s: truncated header", name)
	}
	h := string(hdr)
	d, f, s := npyDescr.FindStringSubmatch(h), npyFortran.FindStringSubmatch(h), npyShape.FindStringSubmatch(h)
	if d == nil || f == nil || s == nil {
		return nil, fmt.Errorf("%s: .npy header %q lacks descr, fortran_order or shape", name, strings.TrimSpace(h))
	}
	if f[1] == "True" {
		return nil, fmt.Errorf("%s: array is in Fortran order; save it C-ordered (np.ascontiguousarray)", name)
	}
	a := &npyArray{}
	n := 1
	for _, p := range strings.Split(s[1], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%s: bad shape (%s)", name, s[1])
		}
		a.shape = append(a.shape, v)
		n *= v
	}
	descr := d[1]
	if len(descr) < 2 || descr[0] == '>' {
		return nil, fmt.Errorf("%s: dtype %q not supported (want little-endian f4, f8, i4, i8, u4, u8 or U)", name, descr)
	}
	kind, size := descr[1], 0
	if v, err := strconv.Atoi(descr[2:]); err == nil {
		size = v
	}
	width := size
	if kind == 'U' {
		width = 4 * size // UTF-32 code units
	}
	if width <= 0 || int64(n)*int64(width) > 1<<34 {
		return nil, fmt.Errorf("%s: dtype %q with %d elements not supported", name, descr, n)
	}
	raw := make([]byte, n*width)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("%s: data shorter than shape %v of %s", name, a.shape, descr)
	}
	le := binary.LittleEndian
	switch {
	case kind == 'f' && size == 4:
		a.floats = make([]float32, n)
		for i := range a.floats {
			a.floats[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case kind == 'f' && size == 8:
		a.floats = make([]float32, n)
		for i := range a.floats {
			a.floats[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		}
	case (kind == 'i' || kind == 'u') && (size == 4 || size == 8):
		a.strs = make([]string, n)
		for i := range a.strs {
			var v uint64
			if size == 4 {
				v = uint64(le.Uint32(raw[4*i:]))
				if kind == 'i' {
					v = uint64(int64(int32(v)))
				}
			} else {
				v = le.Uint64(raw[8*i:])
			}
			if kind == 'i' {
				a.strs[i] = strconv.FormatInt(int64(v), 10)
			} else {
				a.strs[i] = strconv.FormatUint(v, 10)
			}
		}
	case kind == 'U':
		a.strs = make([]string, n)
		for i := range a.strs {
			var sb strings.Builder
			for j := 0; j < size; j++ {
				c := rune(le.Uint32(raw[width*i+4*j:]))
				if c == 0 {
					break
				}
				if !utf8.ValidRune(c) {
					return nil, fmt.Errorf("%s: element %d is not valid UTF-32", name, i)
				}
				sb.WriteRune(c)
			}
			a.strs[i] = sb.String()
		}
	default:
		return nil, fmt.Errorf("%s: dtype %q not supported (want f4, f8, i4, i8, u4, u8 or U)", name, descr)
	}
	return a, nil
}

// readNpz decodes the arrays of an .npz archive whose names (without
// ".npy") are in want; others are skipped.
func readNpz(path string, want ...string) (map[string]*npyArray, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not an .npz (zip) archive: %w", path, err)
	}
	defer z.Close()
	out := map[string]*npyArray{}
	for _, f := range z.File {
		key := strings.TrimSuffix(f.Name, ".npy")
		if !contains(want, key) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, f.Name, err)
		}
		a, err := readNpy(rc, path+": "+f.Name)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out[key] = a
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
