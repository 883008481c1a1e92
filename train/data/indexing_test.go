// Tests of the OpenP5 indexings, including the byte-for-byte check against OpenP5's Beauty files.

package data

import (
	"embrec/internal/shared"

	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSequentialIndexingSmall(t *testing.T) {
	// a: train [p q], tail [r s]; b: train [q t], tail [p u]
	d, _, _ := Parse([]byte("a p q r s\nb q t p u\n"), "t", LoadOptions{})
	ix := SequentialIndexing(d)
	want := map[string]int{"p": 1001, "q": 1002, "t": 1003, "r": 1004, "s": 1005, "u": 1006}
	for raw, id := range want {
		it, _ := d.ItemIndex(raw)
		if ix.ItemID[it] != id {
			t.Errorf("%s -> %d, want %d", raw, ix.ItemID[it], id)
		}
		if back, ok := ix.Item(id); !ok || back != it {
			t.Errorf("inverse of %d", id)
		}
	}
	dir := t.TempDir()
	paths, err := ix.WriteFiles(dir, d)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{
		"a 1\nb 2\n",
		"p 1001\nq 1002\nt 1003\nr 1004\ns 1005\nu 1006\n",
		"1 1001 1002 1004 1005\n2 1002 1003 1001 1006\n",
	}
	for i, p := range paths {
		got, _ := os.ReadFile(p)
		if string(got) != wantFiles[i] {
			t.Errorf("%s = %q, want %q", filepath.Base(p), got, wantFiles[i])
		}
	}
	if filepath.Base(paths[1]) != "item_sequential_indexing_original.txt" || filepath.Base(paths[2]) != "user_sequence_sequential_indexing_original.txt" {
		t.Errorf("names %v", paths)
	}
}

func TestRandomIndexing(t *testing.T) {
	d, _ := Synth(DefaultSynth)
	a, b, c := RandomIndexing(d, 7), RandomIndexing(d, 7), RandomIndexing(d, 8)
	seen := make([]bool, d.NumItems())
	same := true
	for it := range a.ItemID {
		if a.ItemID[it] != b.ItemID[it] {
			t.Fatal("same seed, different indexing")
		}
		if a.ItemID[it] != c.ItemID[it] {
			same = false
		}
		k := a.ItemID[it] - FirstItemID
		if k < 0 || k >= len(seen) || seen[k] {
			t.Fatalf("id %d not a permutation", a.ItemID[it])
		}
		seen[k] = true
	}
	if same {
		t.Fatal("different seeds, same indexing")
	}
	if a.ItemFileName() != "item_random_indexing.txt" || a.SequenceFileName() != "user_sequence_random_indexing.txt" {
		t.Fatal(a.ItemFileName(), a.SequenceFileName())
	}
}

// TestBeautyExactIndexing checks the sequential indexing and the user
// indexing against the files OpenP5 generated for Amazon Beauty, byte for byte.
func TestBeautyExactIndexing(t *testing.T) {
	seqPath, ok := shared.File("data/Beauty/user_sequence.txt")
	if !ok {
		t.Skip("../shared/data/Beauty not present: exact OpenP5 indexing not checked")
	}
	d, _, err := Load(seqPath, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := SequentialIndexing(d).WriteFiles(dir, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths[:2] {
		want, err := os.ReadFile(filepath.Join(filepath.Dir(seqPath), filepath.Base(p)))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if !bytes.Equal(got, want) {
			gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("%s differs at line %d: got %q, want %q", filepath.Base(p), i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("%s: %d lines, want %d", filepath.Base(p), len(gl), len(wl))
		}
	}
}
