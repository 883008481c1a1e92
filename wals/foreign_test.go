// Foreign factor tables: .npy headers and dtypes (f4, f8, ids as i8 and
// U), .npz with and without id arrays, Spark-style text (headers,
// brackets, part-file directories), and Reorder naming every id that does
// not match.

package wals

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npyBytes encodes a C-order array as NumPy 1.0 does: data is []float32,
// []float64, []int64 or []string (written as <U).
func npyBytes(t *testing.T, data any, shape ...int) []byte {
	t.Helper()
	var body bytes.Buffer
	var descr string
	switch v := data.(type) {
	case []float32:
		descr = "<f4"
		binary.Write(&body, binary.LittleEndian, v)
	case []float64:
		descr = "<f8"
		binary.Write(&body, binary.LittleEndian, v)
	case []int64:
		descr = "<i8"
		binary.Write(&body, binary.LittleEndian, v)
	case []string:
		w := 0
		for _, s := range v {
			w = max(w, len([]rune(s)))
		}
		descr = fmt.Sprintf("<U%d", w)
		for _, s := range v {
			r := []rune(s)
			for i := 0; i < w; i++ {
				c := uint32(0)
				if i < len(r) {
					c = uint32(r[i])
				}
				binary.Write(&body, binary.LittleEndian, c)
			}
		}
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	var out bytes.Buffer
	out.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&out, binary.LittleEndian, uint16(len(hdr)))
	out.WriteString(hdr)
	out.Write(body.Bytes())
	return out.Bytes()
}

func writeNpz(t *testing.T, path string, arrays map[string][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for name, b := range arrays {
		w, _ := z.Create(name + ".npy")
		w.Write(b)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestNpzWithIDArrays(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.npz")
	x := []float32{1, 2, 3, 4, 5, 6}       // 3 users x 2
	y := []float64{0.5, -1, 2.25, 8, 1, 0} // 3 items x 2, float64
	writeNpz(t, p, map[string][]byte{
		"user_factors": npyBytes(t, x, 3, 2), "item_factors": npyBytes(t, y, 3, 2),
		"user_ids": npyBytes(t, []int64{30, 10, 20}, 3), "item_ids": npyBytes(t, []string{"b", "é", "a"}, 3),
		"regularization": npyBytes(t, []float64{0.01}, 1),
	})
	s, err := LoadAny(p, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Reorder([]string{"10", "20", "30"}, []string{"a", "b", "é"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.X, []float32{3, 4, 5, 6, 1, 2}) || !slices.Equal(m.Y, []float32{1, 0, 0.5, -1, 2.25, 8}) {
		t.Errorf("reordered X %v, Y %v", m.X, m.Y)
	}
}

func TestNpzRowIDs(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "implicit.npz")
	writeNpz(t, p, map[string][]byte{
		"user_factors": npyBytes(t, []float32{1, 2, 3, 4}, 2, 2), "item_factors": npyBytes(t, []float32{5, 6, 7, 8, 9, 10}, 3, 2),
	})
	if _, err := LoadAny(p, "", nil, nil); err == nil || !strings.Contains(err.Error(), "--factor-ids") {
		t.Errorf("no ids: %v", err)
	}
	s, err := LoadAny(p, IDsDataset, []string{"u1", "u2"}, []string{"i1", "i2", "i3"})
	if err != nil || !slices.Equal(s.ItemIDs, []string{"i1", "i2", "i3"}) {
		t.Fatalf("dataset order: %v %v", s, err)
	}
	if _, err := LoadAny(p, IDsDataset, []string{"u1"}, []string{"i1", "i2", "i3"}); err == nil || !strings.Contains(err.Error(), "2 user rows and 1 user ids") {
		t.Errorf("dataset order, wrong count: %v", err)
	}
	us, is := filepath.Join(dir, "users.txt"), filepath.Join(dir, "items.txt")
	os.WriteFile(us, []byte("u2\nu1\n"), 0o644)
	os.WriteFile(is, []byte("i3\ni1\ni2\n"), 0o644)
	s, err = LoadAny(p, us+","+is, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Reorder([]string{"u1", "u2"}, []string{"i1", "i2", "i3"})
	if err != nil || !slices.Equal(m.X, []float32{3, 4, 1, 2}) || !slices.Equal(m.Y, []float32{7, 8, 9, 10, 5, 6}) {
		t.Errorf("id files: %v %v", m, err)
	}
}

func TestNpyErrors(t *testing.T) {
	dir := t.TempDir()
	good := npyBytes(t, []float32{1, 2}, 1, 2)
	fortran := bytes.Replace(good, []byte("'fortran_order': False"), []byte("'fortran_order': True "), 1)
	bigEndian := bytes.Replace(good, []byte("'<f4'"), []byte("'>f4'"), 1)
	for name, c := range map[string]struct {
		arrays map[string][]byte
		want   string
	}{
		"fortran":     {map[string][]byte{"user_factors": fortran, "item_factors": good}, "Fortran order"},
		"big endian":  {map[string][]byte{"user_factors": bigEndian, "item_factors": good}, `">f4" not supported`},
		"truncated":   {map[string][]byte{"user_factors": good[:len(good)-3], "item_factors": good}, "shorter than shape"},
		"no items":    {map[string][]byte{"user_factors": good}, "no item_factors"},
		"not npy":     {map[string][]byte{"user_factors": []byte("hello world"), "item_factors": good}, "magic"},
		"1-d":         {map[string][]byte{"user_factors": npyBytes(t, []float32{1, 2}, 2), "item_factors": good}, "want (rows, factors)"},
		"k mismatch":  {map[string][]byte{"user_factors": npyBytes(t, []float32{1, 2, 3}, 1, 3), "item_factors": good}, "3 columns, item_factors 2"},
		"string vecs": {map[string][]byte{"user_factors": npyBytes(t, []string{"a", "b"}, 1, 2), "item_factors": good}, "of floats"},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".npz")
		writeNpz(t, p, c.arrays)
		if _, err := LoadAny(p, IDsDataset, []string{"u"}, []string{"i"}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	if _, err := LoadAny(filepath.Join(dir, "none.npz"), "", nil, nil); err == nil {
		t.Error("a missing .npz loaded")
	}
}

func TestTextFactors(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	os.WriteFile(users, []byte("id,features\n7,\"[0.5,1.5]\"\n3,\"[-2.0,4e-1]\"\n"), 0o644)
	items := filepath.Join(dir, "itemFactors") // a Spark output directory
	os.MkdirAll(items, 0o755)
	os.WriteFile(filepath.Join(items, "part-00000.csv"), []byte("# comment\n100 1 2\n"), 0o644)
	os.WriteFile(filepath.Join(items, "part-00001.csv"), []byte("200\t3\t4\n\n"), 0o644)
	os.WriteFile(filepath.Join(items, "_SUCCESS"), nil, 0o644)
	os.WriteFile(filepath.Join(items, ".part-00000.csv.crc"), []byte("junk"), 0o644)
	s, err := LoadAny(users+","+items, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Reorder([]string{"3", "7"}, []string{"200", "100"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.X, []float32{-2, 0.4, 0.5, 1.5}) || !slices.Equal(m.Y, []float32{3, 4, 1, 2}) || math.IsNaN(float64(m.X[0])) {
		t.Errorf("X %v, Y %v", m.X, m.Y)
	}
	bad := filepath.Join(dir, "bad.csv")
	for body, want := range map[string]string{
		"1 0.5 0.25\n2 0.5 x\n": "bad.csv:2: \"x\" is not a number",
		"1 0.5 0.25\n2 0.5\n":   "bad.csv:2: 1 values, earlier rows have 2",
		"1 0.5\n2\n":            "bad.csv:2: id \"2\" has no values",
		"":                      "no factor rows",
	} {
		os.WriteFile(bad, []byte(body), 0o644)
		if _, err := LoadAny(bad+","+items, "", nil, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
	os.WriteFile(bad, []byte("1 0.5 0.25 3\n"), 0o644)
	if _, err := LoadAny(users+","+bad, "", nil, nil); err == nil || !strings.Contains(err.Error(), "2 factors a row") {
		t.Errorf("K mismatch: %v", err)
	}
}

func TestReorderNamesEveryMismatch(t *testing.T) {
	s := &Saved{Model: &Model{K: 1, Users: 4, Items: 2, X: []float32{1, 2, 3, 4}, Y: []float32{5, 6}},
		UserIDs: []string{"a", "b", "x", "a"}, ItemIDs: []string{"i", "j"}}
	_, err := s.Reorder([]string{"a", "b", "c", "d"}, []string{"i", "j"})
	if err == nil {
		t.Fatal("mismatched ids reordered")
	}
	for _, want := range []string{`2 dataset users without factors: "c", "d"`, `1 factor users not in the dataset: "x"`, `1 user ids on two rows: "a"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
	many := make([]string, 60)
	for i := range many {
		many[i] = fmt.Sprint("m", i)
	}
	_, err = s.Reorder(append([]string{"a", "b", "x"}, many...), []string{"i", "j"})
	if err == nil || !strings.Contains(err.Error(), "60 dataset users without factors") || !strings.Contains(err.Error(), "(10 more)") {
		t.Errorf("many missing: %v", err)
	}
}
