// Limits and hostile bytes of the dataset reader: overlong lines, too many
// items, overlong ids, a UTF-8 BOM, control characters, a bare file name.

package data

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLimits(t *testing.T) {
	long := "a " + strings.Repeat("x", MaxIDBytes+1) + " y z\n"
	many := "a" + strings.Repeat(" i", MaxLineItems+1) + "\n"
	huge := "a x y z " + strings.Repeat(" ", MaxLineBytes) + "w\n"
	for _, c := range []struct{ name, in, want string }{
		{"id", "b x y z\n" + long, "t.txt:2: an id of 1025 bytes"},
		{"items", many, "t.txt:1: user \"a\" has 1048577 items, more than the limit"},
		{"line", "b x y z\n" + huge, "t.txt:2: line longer than the limit"},
		{"nul", "a x y z\nb x\x00 y z\n", "t.txt:2: control character"},
		{"bom inside", "a x y z\nb \xef\xbb\xbfx y z\n", ""},
	} {
		_, _, err := Parse([]byte(c.in), "t.txt", LoadOptions{})
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// Lenient loads skip such lines, except an overlong one.
	d, rep, err := Parse([]byte("b x y z\n"+long+"c x\x00 y z\n"), "t.txt", LoadOptions{Lenient: true})
	if err != nil || d.NumUsers() != 1 || len(rep.Skipped) != 2 {
		t.Errorf("lenient: %v, %+v", err, rep)
	}
}

func TestLoadBOMAndBareName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Shop")
	os.MkdirAll(dir, 0o755)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("\xef\xbb\xbfu1 a b c\nu2 b c d\n"))
	zw.Close()
	os.WriteFile(filepath.Join(dir, "user_sequence.txt.gz"), gz.Bytes(), 0o644)
	t.Chdir(dir)
	d, _, err := Load("user_sequence.txt.gz", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Users[0] != "u1" {
		t.Errorf("first user %q: the BOM became part of the id", d.Users[0])
	}
	if d.Name != "Shop" {
		t.Errorf("dataset name %q for a bare file name, want Shop", d.Name)
	}
	// A truncated compressed file names the file.
	os.WriteFile("cut.txt.gz", gz.Bytes()[:gz.Len()-6], 0o644)
	if _, _, err := Load("cut.txt.gz", LoadOptions{}); err == nil || !strings.Contains(err.Error(), "cut.txt.gz") {
		t.Errorf("truncated gzip: %v", err)
	}
}
