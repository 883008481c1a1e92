// Malformed files: each must fail Open with a *FormatError naming the file
// and the tensor; and the lenient cases that must be accepted.

package safetensors

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawFile builds a file image: the header length, hdr, and dataLen zero bytes.
func rawFile(hdr string, dataLen int) []byte {
	b := make([]byte, 8, 8+len(hdr)+dataLen)
	binary.LittleEndian.PutUint64(b, uint64(len(hdr)))
	b = append(b, hdr...)
	return append(b, make([]byte, dataLen)...)
}

func writeRaw(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func withLength(n uint64, rest string) []byte {
	b := binary.LittleEndian.AppendUint64(nil, n)
	return append(b, rest...)
}

const okEntry = `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`

func TestMalformed(t *testing.T) {
	cases := []struct {
		name    string
		file    []byte
		tensor  string // the tensor the message must name, "" for none
		wantMsg string
	}{
		{"truncated length", []byte{1, 2, 3}, "", "file is 3 bytes, too short"},
		{"empty file", nil, "", "file is 0 bytes"},
		{"header past end", withLength(100, `{}`), "", "header length 100 runs past the end of the 10-byte file"},
		{"header over limit", withLength(MaxHeaderSize+1, `{}`), "", "more than the limit"},
		{"huge header length", withLength(1<<63, `{}`), "", "more than the limit"},
		{"bad JSON", rawFile(`{"a":`, 0), "a", "header JSON ends early"},
		{"bad JSON token", rawFile(`{"a" 5}`, 0), "a", "not valid JSON"},
		{"empty header", rawFile(``, 0), "", "header JSON ends early"},
		{"not an object", rawFile(`[1,2]`, 0), "", `want "{", found an array`},
		{"trailing data", rawFile(`{} x`, 0), "", "data after the JSON object"},
		{"second object", rawFile(`{}{}`, 0), "", "data after the JSON object"},
		{"NUL padding", rawFile("{}\x00\x00", 0), "", "data after the JSON object"},
		{"invalid UTF-8", rawFile("{\"a\xff\":1}", 0), "", "not valid UTF-8"},
		{"entry not object", rawFile(`{"w":5}`, 0), "w", `want "{", found the number 5`},
		{"unknown dtype", rawFile(`{"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}`, 4), "w", `unknown dtype "F12"`},
		{"sub-byte dtype", rawFile(`{"w":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}`, 1), "w", `unknown dtype "F4"`},
		{"dtype not string", rawFile(`{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}`, 4), "w", "dtype is the number 32"},
		{"negative shape", rawFile(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), "w", "shape holds the negative number -1"},
		{"fractional shape", rawFile(`{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}`, 4), "w", "shape holds 1.0"},
		{"exponent offset", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4e0]}}`, 4), "w", "data_offsets holds 4e0"},
		{"shape not array", rawFile(`{"w":{"dtype":"F32","shape":4,"data_offsets":[0,4]}}`, 4), "w", `shape: want "[", found the number 4`},
		{"shape holds string", rawFile(`{"w":{"dtype":"F32","shape":["4"],"data_offsets":[0,16]}}`, 16), "w", `shape holds the string "4"`},
		{"dim out of range", rawFile(`{"w":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,4]}}`, 4), "w", "out of range"},
		{"shape overflow", rawFile(`{"w":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,4]}}`, 4), "w", "more bytes than fit in 64 bits"},
		{"size mismatch", rawFile(`{"layers.0.wq":{"dtype":"F32","shape":[5,6],"data_offsets":[0,100]}}`, 100), "layers.0.wq",
			"data_offsets [0 100] hold 100 bytes, shape [5 6] F32 needs 120"},
		{"offset past end", rawFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 8), "w", "data_offsets [4 12] run past the end of the 8-byte data buffer"},
		{"begin after end", rawFile(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}`, 8), "w", "begin after they end"},
		{"three offsets", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, 8), "w", "data_offsets has 3 numbers, want 2"},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12), "b",
			`data_offsets [4 12] overlap tensor "a" at [0 8]`},
		{"same range", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}`, 8), "b", "overlap"},
		{"zero-size inside", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, 8), "z", "overlap"},
		{"duplicate tensor", rawFile(`{`+okEntry+`,`+okEntry+`}`, 8), "a", "duplicate key"},
		{"duplicate escaped", rawFile(`{`+okEntry+`,"\u0061":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8), "a", "duplicate key"},
		{"duplicate field", rawFile(`{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}`, 4), "w", `duplicate field "dtype"`},
		{"unknown field", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"stride":[1]}}`, 4), "w", `unknown field "stride"`},
		{"missing dtype", rawFile(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, 4), "w", "missing dtype"},
		{"missing shape", rawFile(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, 4), "w", "missing shape"},
		{"missing offsets", rawFile(`{"w":{"dtype":"F32","shape":[1]}}`, 4), "w", "missing data_offsets"},
		{"empty name", rawFile(`{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4), "", "empty name"},
		{"metadata not string", rawFile(`{"__metadata__":{"epoch":1}}`, 0), "", `__metadata__: value of "epoch" is the number 1, want a string`},
		{"metadata nested", rawFile(`{"__metadata__":{"k":{"x":"y"}}}`, 0), "", `value of "k" is an object`},
		{"metadata array", rawFile(`{"__metadata__":["a"]}`, 0), "", "want an object of strings, found an array"},
		{"metadata duplicate key", rawFile(`{"__metadata__":{"k":"a","k":"b"}}`, 0), "", `__metadata__: duplicate key "k"`},
		{"metadata twice", rawFile(`{"__metadata__":{},"__metadata__":{}}`, 0), "", `duplicate key "__metadata__"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeRaw(t, "bad.safetensors", c.file)
			f, err := Open(path)
			if err == nil {
				f.Close()
				t.Fatalf("Open succeeded, want an error containing %q", c.wantMsg)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FormatError", err, err)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "safetensors: "+path+": ") {
				t.Errorf("error %q does not start with the package and the file", msg)
			}
			if c.tensor != "" && !strings.Contains(msg, `tensor "`+c.tensor+`": `) {
				t.Errorf("error %q does not name tensor %q", msg, c.tensor)
			}
			if fe.Tensor != c.tensor {
				t.Errorf("FormatError.Tensor = %q, want %q", fe.Tensor, c.tensor)
			}
			if !strings.Contains(msg, c.wantMsg) {
				t.Errorf("error %q does not contain %q", msg, c.wantMsg)
			}
		})
	}
}

// TestLenient covers what the parser accepts on purpose.
func TestLenient(t *testing.T) {
	cases := []struct {
		name    string
		file    []byte
		tensors int
	}{
		{"empty object", rawFile(`{}`, 0), 0},
		{"hole between tensors", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, 12), 2},
		{"trailing bytes after tensors", rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 64), 1},
		{"whitespace padding", rawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}  \n\t\r ", 1), 1},
		{"null metadata", rawFile(`{"__metadata__":null}`, 0), 0},
		{"fields in any order", rawFile(`{"a":{"data_offsets":[0,1],"shape":[],"dtype":"BOOL"}}`, 1), 1},
		{"zero-size at boundaries", rawFile(`{"z0":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
			`"z1":{"dtype":"F32","shape":[0,5],"data_offsets":[4,4]},"b":{"dtype":"F64","shape":[1],"data_offsets":[4,12]},"z2":{"dtype":"F32","shape":[0],"data_offsets":[12,12]}}`, 12), 5},
		{"huge zero-size", rawFile(`{"z":{"dtype":"F64","shape":[2147483647,2147483647,0],"data_offsets":[0,0]}}`, 0), 1},
		{"every dtype", rawFile(`{"a":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[1,2]},`+
			`"c":{"dtype":"F8_E5M2","shape":[1],"data_offsets":[2,3]},"d":{"dtype":"F8_E8M0","shape":[1],"data_offsets":[3,4]},`+
			`"e":{"dtype":"I8","shape":[1],"data_offsets":[4,5]},"f":{"dtype":"U16","shape":[1],"data_offsets":[6,8]},`+
			`"g":{"dtype":"I16","shape":[1],"data_offsets":[8,10]},"h":{"dtype":"U32","shape":[1],"data_offsets":[12,16]},`+
			`"i":{"dtype":"U64","shape":[1],"data_offsets":[16,24]},"j":{"dtype":"C64","shape":[1],"data_offsets":[24,32]}}`, 32), 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Open(writeRaw(t, "ok.safetensors", c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if n := len(f.Names()); n != c.tensors {
				t.Errorf("%d tensors, want %d", n, c.tensors)
			}
		})
	}
}

func TestParseHeaderErrorsHaveNoPath(t *testing.T) {
	_, _, err := ParseHeader([]byte(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`), 4)
	want := `safetensors: tensor "w": data_offsets [0 4] hold 4 bytes, shape [2] F32 needs 8`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if _, _, err := ParseHeader([]byte(`{}`), -1); err == nil {
		t.Error("negative data length accepted")
	}
	tensors, meta, err := ParseHeader([]byte(`{"__metadata__":{"a":"b"}}`), 0)
	if err != nil || len(tensors) != 0 || meta["a"] != "b" {
		t.Errorf("ParseHeader = %v, %v, %v", tensors, meta, err)
	}
}
