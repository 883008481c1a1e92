// Round-trip tests of Write/Create and Open: dtypes, zero-size tensors,
// scalars, metadata, the byte layout, and the writer's failure paths.

package safetensors

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func ramp(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)*0.5 - 7 // exact in f16 and bf16 for small n
	}
	return v
}

func mustOpen(t *testing.T, path string) *File {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	odd := []float32{1.00390625, -3.3333, 65504, 1e-8, float32(math.Inf(-1))}
	tensors := []Tensor{
		F32Tensor("w.f32", []int{2, 3}, ramp(6)),
		F16Tensor("w.f16", []int{3, 2}, ramp(6)),
		BF16Tensor("w.bf16", []int{6}, ramp(6)),
		BF16Tensor("odd.bf16", []int{5}, odd),
		F16Tensor("odd.f16", []int{5}, odd),
		F32Tensor("scalar", []int{}, []float32{42}),
		F32Tensor("empty", []int{0, 4}, nil),
		BF16Tensor("empty.bf16", []int{3, 0}, nil),
		{Name: "ids", DType: I64, Shape: []int{2}, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}},
	}
	meta := map[string]string{"format": "pt", "note": "<&> ü"}
	if err := Write(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f := mustOpen(t, path)
	if f.Path() != path {
		t.Errorf("Path() = %q", f.Path())
	}
	wantNames := []string{"empty", "empty.bf16", "ids", "odd.bf16", "odd.f16", "scalar", "w.bf16", "w.f16", "w.f32"}
	if got := f.Names(); !slices.Equal(got, wantNames) {
		t.Errorf("Names() = %v, want %v", got, wantNames)
	}
	if got := f.Metadata(); len(got) != 2 || got["format"] != "pt" || got["note"] != "<&> ü" {
		t.Errorf("Metadata() = %v", got)
	}
	for _, tt := range tensors {
		info, ok := f.Info(tt.Name)
		if !ok || info.DType != tt.DType || !slices.Equal(info.Shape, tt.Shape) || info.Name != tt.Name {
			t.Errorf("Info(%q) = %+v, %v", tt.Name, info, ok)
		}
		raw, err := f.Bytes(tt.Name)
		if err != nil || string(raw) != string(tt.Data) {
			t.Errorf("Bytes(%q) = % x, %v; want % x", tt.Name, raw, err, tt.Data)
		}
		if !tt.DType.IsFloat32Convertible() {
			if _, err := f.Float32(tt.Name); err == nil || !strings.Contains(err.Error(), "does not convert") {
				t.Errorf("Float32(%q) of %s: err = %v", tt.Name, tt.DType, err)
			}
			continue
		}
		got, err := f.Float32(tt.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(tt.Data)/tt.DType.Size())
		decode(want, tt.Data, tt.DType)
		if len(got) != len(want) {
			t.Fatalf("Float32(%q) has %d values, want %d", tt.Name, len(got), len(want))
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("Float32(%q)[%d] = %v, want %v", tt.Name, i, got[i], want[i])
			}
		}
		into := make([]float32, len(want))
		if err := f.ReadFloat32Into(tt.Name, into); err != nil || !slices.Equal(into, got) {
			t.Errorf("ReadFloat32Into(%q) = %v, %v", tt.Name, into, err)
		}
	}
	// Exact values where the format can hold them.
	if v, _ := f.Float32("w.f16"); !slices.Equal(v, ramp(6)) {
		t.Errorf("w.f16 = %v", v)
	}
	if v, _ := f.Float32("w.bf16"); !slices.Equal(v, ramp(6)) {
		t.Errorf("w.bf16 = %v", v)
	}
	if v, _ := f.Float32("odd.bf16"); v[0] != 1 || v[2] != 65536 { // 1+2^-8 ties to even; 65504 rounds up in bf16
		t.Errorf("odd.bf16 = %v", v)
	}
	if v, _ := f.Float32("scalar"); !slices.Equal(v, []float32{42}) {
		t.Errorf("scalar = %v", v)
	}
	if info, _ := f.Info("scalar"); info.NumElements() != 1 || info.Size() != 4 {
		t.Errorf("scalar info = %+v", info)
	}
	if v, err := f.Float32("empty"); err != nil || len(v) != 0 {
		t.Errorf("empty = %v, %v", v, err)
	}
}

func TestLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Write(path, []Tensor{F32Tensor("b", []int{1}, []float32{2}), F32Tensor("a", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(raw)
	hdr := string(raw[8 : 8+n])
	want := `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`
	if strings.TrimRight(hdr, " ") != want {
		t.Errorf("header = %q, want %q", hdr, want)
	}
	if (8+n)%8 != 0 {
		t.Errorf("data buffer starts at %d, not a multiple of 8", 8+n)
	}
	if data := raw[8+n:]; string(data) != "\x00\x00\x80\x3f\x00\x00\x00\x40" {
		t.Errorf("data = % x, want a then b", data)
	}
	f := mustOpen(t, path)
	if f.DataOffset() != int64(8+n) {
		t.Errorf("DataOffset() = %d, want %d", f.DataOffset(), 8+n)
	}
	if len(f.Metadata()) != 0 {
		t.Errorf("Metadata() = %v, want empty", f.Metadata())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file (no temporary left)", len(entries))
	}
}

func TestStreamingWriter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.safetensors")
	specs := []Spec{{"z.last", F32, []int{3}}, {"a.first", BF16, []int{2, 2}}, {"m", I32, []int{1}}}
	w, err := Create(path, specs, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFloat32("a.first", ramp(4)); err == nil || !strings.Contains(err.Error(), `"z.last" comes next`) {
		t.Errorf("out-of-order write: err = %v", err)
	}
	if err := w.WriteFloat32("z.last", ramp(2)); err == nil || !strings.Contains(err.Error(), "2 values given") {
		t.Errorf("short write: err = %v", err)
	}
	if err := w.WriteFloat32("z.last", ramp(3)); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFloat32("a.first", ramp(4)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file visible before Close: %v", err)
	}
	if err := w.WriteFloat32("m", []float32{1}); err == nil {
		t.Error("WriteFloat32 of an I32 tensor succeeded")
	}
	if err := w.WriteTensor("m", []byte{7, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteTensor("m", []byte{7, 0, 0, 0}); err == nil {
		t.Error("writing past the declared tensors succeeded")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	f := mustOpen(t, path)
	if info, _ := f.Info("z.last"); info.Begin != 0 || info.End != 12 {
		t.Errorf("data is not in spec order: z.last at [%d %d]", info.Begin, info.End)
	}
	if v, _ := f.Float32("a.first"); !slices.Equal(v, ramp(4)) {
		t.Errorf("a.first = %v", v)
	}
	if f.Metadata()["k"] != "v" {
		t.Errorf("metadata = %v", f.Metadata())
	}
}

func TestWriterFailuresLeaveNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.safetensors")
	w, err := Create(path, []Spec{{"a", F32, []int{2}}, {"b", F32, []int{1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteFloat32("a", []float32{1, 2})
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), `tensor "b": not written`) {
		t.Errorf("Close with a missing tensor: err = %v", err)
	}
	w2, err := Create(path, []Spec{{"a", F32, []int{1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w2.WriteFloat32("a", []float32{1})
	if err := w2.Abort(); err != nil {
		t.Errorf("Abort: %v", err)
	}
	if err := w2.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}
	if err := Write(path, []Tensor{{Name: "a", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}}, nil); err == nil ||
		!strings.Contains(err.Error(), `x.safetensors: tensor "a": 4 bytes given, shape [2] F32 needs 8`) {
		t.Errorf("Write with short data: err = %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("directory holds %v after failed writes, want nothing", entries)
	}

	bad := []struct {
		specs []Spec
		meta  map[string]string
		want  string
	}{
		{[]Spec{{"a", F32, nil}, {"a", F32, nil}}, nil, `tensor "a": duplicate tensor name`},
		{[]Spec{{"", F32, nil}}, nil, "empty name"},
		{[]Spec{{"__metadata__", F32, nil}}, nil, "reserved"},
		{[]Spec{{"a", "F12", nil}}, nil, `unknown dtype "F12"`},
		{[]Spec{{"a", F32, []int{-1}}}, nil, "negative dimension"},
		{[]Spec{{"a", F32, []int{math.MaxInt / 2, math.MaxInt / 2, math.MaxInt / 2, math.MaxInt / 2}}}, nil, "more bytes than fit"},
		{[]Spec{{"a\xff", F32, nil}}, nil, "UTF-8"},
		{nil, map[string]string{"k": "\xff"}, "UTF-8"},
	}
	for _, b := range bad {
		if _, err := Create(path, b.specs, b.meta); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Create(%v, %v): err = %v, want %q", b.specs, b.meta, err, b.want)
		}
	}
	if _, err := Create(filepath.Join(dir, "no", "such", "dir.safetensors"), nil, nil); err == nil {
		t.Error("Create in a missing directory succeeded")
	}
}

func TestWriteReplacesAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.safetensors")
	if err := Write(path, []Tensor{F32Tensor("old", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	old := mustOpen(t, path)
	if err := Write(path, []Tensor{F32Tensor("new", []int{1}, []float32{2})}, nil); err != nil {
		t.Fatal(err)
	}
	// The open mapping still sees the old file (it was replaced, not rewritten).
	if v, err := old.Float32("old"); err != nil || v[0] != 1 {
		t.Errorf("old mapping: %v, %v", v, err)
	}
	if names := mustOpen(t, path).Names(); !slices.Equal(names, []string{"new"}) {
		t.Errorf("after replace: %v", names)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", st.Mode().Perm())
	}
}

func TestFileAccessErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.safetensors")
	if err := Write(path, []Tensor{F32Tensor("a", []int{2}, []float32{1, 2})}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Bytes("nope"); err == nil || !strings.Contains(err.Error(), `e.safetensors: tensor "nope": no such tensor`) {
		t.Errorf("Bytes(missing): %v", err)
	}
	if err := f.ReadFloat32Into("a", make([]float32, 3)); err == nil || !strings.Contains(err.Error(), "destination holds 3 values, shape [2] has 2") {
		t.Errorf("ReadFloat32Into(wrong length): %v", err)
	}
	if _, ok := f.Info("nope"); ok {
		t.Error("Info(missing) ok")
	}
	info, _ := f.Info("a")
	info.Shape[0] = 99 // must not alter the file's copy
	if again, _ := f.Info("a"); again.Shape[0] != 2 {
		t.Error("Info returned shared shape")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := f.Float32("a"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Float32 after Close: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(dir) = %v", err)
	}
}

func TestConvenienceConstructorsPanic(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "safetensors: F32Tensor") {
			t.Errorf("recover() = %v", r)
		}
	}()
	F32Tensor("x", []int{2, 2}, make([]float32, 3))
}
