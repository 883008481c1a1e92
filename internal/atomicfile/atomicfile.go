// Package atomicfile writes files so that an interrupted or failed write
// never leaves a half-written file: the content goes to a temporary file in
// the same directory, which is synced, made 0644 and renamed into place;
// on any error it is removed and the old file (if any) stays.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Write creates or replaces path with what fill writes to w.
func Write(path string, fill func(w *bufio.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, Untemp(err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", path, Untemp(err))
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	if err = fill(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// WriteFile creates or replaces path with data.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w *bufio.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Untemp strips the name of a temporary file from an I/O error: the
// caller names the output path, and a user has never heard of
// ".NAME.tmp123". An error about any other file is returned as it is.
func Untemp(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) && isTemp(pe.Path) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) && isTemp(le.Old) {
		return le.Err
	}
	return err
}

// isTemp reports whether path names a temporary file of Write (or its
// CreateTemp pattern), or of the same scheme elsewhere (".NAME.tmp-*").
func isTemp(path string) bool {
	b := filepath.Base(path)
	return strings.HasPrefix(b, ".") && strings.Contains(b, ".tmp")
}
