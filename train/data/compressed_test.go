// Compressed datasets load exactly like the plain file.

package data

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func TestLoadCompressed(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "user_sequence.txt")
	d, err := Synth(SynthConfig{Users: 30, Items: 40, MinLen: 5, MaxLen: 9, Clusters: 3, Follow: 0.3, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteUserSequence(plain); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(raw)
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(raw)
	zw.Close()
	want, _, err := Load(plain, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"user_sequence.txt.gz": gz.Bytes(), "user_sequence.txt.zst": zs.Bytes()} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		got, _, err := Load(p, LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got.Users, want.Users) || !slices.Equal(got.Items, want.Items) || len(got.Seqs) != len(want.Seqs) {
			t.Fatalf("%s loads differently from the plain file", name)
		}
		if err := os.WriteFile(p, content[:len(content)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(p, LoadOptions{}); err == nil {
			t.Fatalf("%s: a truncated file loaded without error", name)
		}
	}
}
