// Fuzz tests of ParseHeader and Open, and the generator of their committed
// seed corpora (testdata/fuzz/...): regenerate with
//
//	EMBREC_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./tensor/safetensors

package safetensors

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type headerSeed struct {
	name    string
	hdr     string
	dataLen int64
}

// headerSeeds are valid and invalid headers covering every rule.
func headerSeeds() []headerSeed {
	seeds := []headerSeed{
		{"empty", `{}`, 0},
		{"padded", `{}      `, 3},
		{"metadata", `{"__metadata__":{"format":"pt","a":"\u00fc\n"}}`, 0},
		{"null_metadata", `{"__metadata__":null}`, 0},
		{"scalar", `{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, 4},
		{"hole", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, 12},
		{"zero_sizes", `{"z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"y":{"dtype":"F16","shape":[9223372036854775807,0],"data_offsets":[8,8]}}`, 8},
		{"field_order", `{"a":{"data_offsets":[0,1],"shape":[1,1,1],"dtype":"BOOL"}}`, 1},
		{"bad_json", `{"a":`, 0},
		{"trailing", `{} x`, 0},
		{"nul_pad", "{}\x00", 0},
		{"bad_utf8", "{\"\xff\":1}", 0},
		{"array", `[1]`, 0},
		{"unknown_dtype", `{"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}`, 4},
		{"negative_dim", `{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4},
		{"float_dim", `{"w":{"dtype":"F32","shape":[1.5e3],"data_offsets":[0,4]}}`, 4},
		{"overflow", `{"w":{"dtype":"F64","shape":[4294967296,4294967296,2],"data_offsets":[0,8]}}`, 8},
		{"size_mismatch", `{"layers.0.wq":{"dtype":"F32","shape":[5,6],"data_offsets":[0,100]}}`, 100},
		{"past_end", `{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 8},
		{"reversed", `{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}`, 8},
		{"overlap", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12},
		{"dup_key", `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\u0061":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2},
		{"dup_field", `{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4},
		{"unknown_field", `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":null}}`, 4},
		{"missing_field", `{"w":{"dtype":"F32","shape":[1]}}`, 4},
		{"meta_number", `{"__metadata__":{"k":1}}`, 0},
		{"meta_dup", `{"__metadata__":{"k":"a","k":"b"}}`, 0},
		{"meta_twice", `{"__metadata__":{},"__metadata__":null}`, 0},
		{"deep", `{"w":[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]}`, 0},
		{"negative_len", `{}`, -1},
	}
	specs := []Spec{{"model.embed_tokens.weight", BF16, []int{512, 64}}, {"model.norm.weight", F32, []int{64}},
		{"lm_head.weight", F16, []int{512, 64}}, {"ids", I64, []int{3}}, {"mask", BOOL, []int{2, 0}}}
	sizes, hdr, err := buildHeader("", specs, map[string]string{"format": "pt"})
	if err != nil {
		panic(err)
	}
	var total int64
	for _, s := range sizes {
		total += s
	}
	seeds = append(seeds, headerSeed{"written", string(hdr), total})
	return seeds
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range headerSeeds() {
		f.Add([]byte(s.hdr), s.dataLen)
	}
	f.Fuzz(func(t *testing.T, hdr []byte, dataLen int64) {
		tensors, meta, err := ParseHeader(hdr, dataLen)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is %T, want *FormatError", err, err)
			}
			return
		}
		checkParsed(t, tensors, meta, dataLen)
		// Re-encoding what was parsed (contiguously) must parse back the same.
		names := sortedKeys(tensors)
		specs := make([]Spec, len(names))
		for i, n := range names {
			specs[i] = Spec{n, tensors[n].DType, tensors[n].Shape}
		}
		sizes, hdr2, err := buildHeader("", specs, meta)
		if err != nil {
			t.Fatalf("re-encoding a parsed header: %v", err)
		}
		var total int64
		for _, s := range sizes {
			total += s
		}
		tensors2, meta2, err := ParseHeader(hdr2, total)
		if err != nil {
			t.Fatalf("parsing a re-encoded header: %v\n%s", err, hdr2)
		}
		if len(tensors2) != len(tensors) || len(meta2) != len(meta) {
			t.Fatalf("re-encoded header has %d tensors, %d metadata; want %d, %d", len(tensors2), len(meta2), len(tensors), len(meta))
		}
		for n, a := range tensors {
			b := tensors2[n]
			if a.DType != b.DType || !slices.Equal(a.Shape, b.Shape) || a.Size() != b.Size() {
				t.Fatalf("tensor %q: %+v re-encoded as %+v", n, a, b)
			}
		}
		for k, v := range meta {
			if meta2[k] != v {
				t.Fatalf("metadata %q: %q re-encoded as %q", k, v, meta2[k])
			}
		}
	})
}

// checkParsed checks the guarantees of a successful parse.
func checkParsed(t *testing.T, tensors map[string]TensorInfo, meta map[string]string, dataLen int64) {
	t.Helper()
	if meta == nil {
		t.Fatal("nil metadata")
	}
	list := make([]TensorInfo, 0, len(tensors))
	for n, ti := range tensors {
		if n != ti.Name || n == "" || n == metadataKey {
			t.Fatalf("tensor key %q has Name %q", n, ti.Name)
		}
		if !ti.DType.Known() {
			t.Fatalf("tensor %q: unknown dtype %q accepted", n, ti.DType)
		}
		if ti.Begin < 0 || ti.Begin > ti.End || ti.End > dataLen {
			t.Fatalf("tensor %q: range [%d %d] outside [0 %d]", n, ti.Begin, ti.End, dataLen)
		}
		need, ok := byteSize(ti.Shape, ti.DType)
		if !ok || need != ti.Size() {
			t.Fatalf("tensor %q: %d bytes for shape %v %s", n, ti.Size(), ti.Shape, ti.DType)
		}
		if ti.Size() > 0 && ti.NumElements()*int64(ti.DType.Size()) != ti.Size() {
			t.Fatalf("tensor %q: NumElements %d disagrees with size %d", n, ti.NumElements(), ti.Size())
		}
		list = append(list, ti)
	}
	for i := range list { // quadratic, but fuzz inputs are small
		for j := i + 1; j < len(list); j++ {
			a, b := list[i], list[j]
			if a.Begin < b.End && b.Begin < a.End || // proper overlap
				a.Size() == 0 && b.Begin < a.Begin && a.Begin < b.End ||
				b.Size() == 0 && a.Begin < b.Begin && b.Begin < a.End {
				t.Fatalf("tensors %q [%d %d] and %q [%d %d] overlap", a.Name, a.Begin, a.End, b.Name, b.Begin, b.End)
			}
		}
	}
}

// openSeeds are whole files for FuzzOpen.
func openSeeds() [][]byte {
	var out [][]byte
	for _, s := range headerSeeds() {
		if s.dataLen >= 0 && s.dataLen <= 256 { // keep the corpus small
			out = append(out, rawFile(s.hdr, int(s.dataLen)))
		}
	}
	return append(out, nil, []byte{1, 0, 0, 0}, withLength(2, "{}"), withLength(3, "{}"), withLength(1<<40, "{}"))
}

func FuzzOpen(f *testing.F) {
	for _, s := range openSeeds() {
		f.Add(s)
	}
	// One file for all inputs of this process, in memory where possible:
	// creating or truncating a file on a disk costs milliseconds.
	dir := f.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "safetensors-fuzz-"); err == nil {
			dir = d
			f.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	path := filepath.Join(dir, "f.safetensors")
	f.Fuzz(func(t *testing.T, content []byte) {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := Open(path)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Fatalf("error %v (%T) is not a *FormatError naming the file", err, err)
			}
			return
		}
		defer file.Close()
		for _, n := range file.Names() {
			info, _ := file.Info(n)
			raw, err := file.Bytes(n)
			if err != nil || int64(len(raw)) != info.Size() {
				t.Fatalf("Bytes(%q): %d bytes, %v", n, len(raw), err)
			}
			if info.DType.IsFloat32Convertible() {
				if _, err := file.Float32(n); err != nil {
					t.Fatalf("Float32(%q): %v", n, err)
				}
			}
		}
	})
}

// TestWriteFuzzSeeds writes the seed corpora in Go's corpus file format.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("EMBREC_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set EMBREC_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz seed corpora")
	}
	write := func(fuzzer, name, body string) {
		dir := filepath.Join("testdata", "fuzz", fuzzer)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range headerSeeds() {
		write("FuzzParseHeader", fmt.Sprintf("seed-%02d-%s", i, s.name), fmt.Sprintf("[]byte(%q)\nint64(%d)\n", s.hdr, s.dataLen))
	}
	for i, s := range openSeeds() {
		write("FuzzOpen", fmt.Sprintf("seed-%02d", i), fmt.Sprintf("[]byte(%q)\n", s))
	}
}
