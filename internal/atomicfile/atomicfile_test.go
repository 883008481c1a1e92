// A failed write leaves the old file and no temporary behind; a good one
// replaces the content.

package atomicfile

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteKeepsOldOnErrorAndReplacesOnSuccess(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(p, func(w *bufio.Writer) error {
		w.WriteString("new")
		return os.ErrInvalid
	})
	if err == nil {
		t.Fatal("want the fill error")
	}
	got, _ := os.ReadFile(p)
	ents, _ := os.ReadDir(filepath.Dir(p))
	if string(got) != "old" || len(ents) != 1 {
		t.Fatalf("after a failed write: content %q, %d directory entries", got, len(ents))
	}
	if err := WriteFile(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(got) != "new" || st.Mode().Perm() != 0o644 {
		t.Fatalf("after a good write: content %q, mode %v", got, st.Mode())
	}
}

// Errors name the output path, never the temporary file.
func TestErrorsNameThePath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing", "out.txt")
	err := WriteFile(p, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), ".tmp") {
		t.Fatalf("got %v", err)
	}
	err = Write(p, func(w *bufio.Writer) error {
		return &os.PathError{Op: "write", Path: "/x/.out.txt.tmp123", Err: os.ErrInvalid}
	})
	if err == nil || strings.Contains(err.Error(), ".tmp") {
		t.Fatalf("got %v", err)
	}
}
