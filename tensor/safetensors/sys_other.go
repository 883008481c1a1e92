//go:build !unix

// Fallbacks for systems without mmap: read the file into memory; no directory sync.

package safetensors

import (
	"io"
	"os"
)

// mapFile reads the first size bytes of f into memory.
func mapFile(f *os.File, size int) ([]byte, func([]byte) error, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, int64(size)), b); err != nil {
		return nil, nil, err
	}
	return b, func([]byte) error { return nil }, nil
}

// syncDir is a no-op where directories cannot be opened for syncing.
func syncDir(string) error { return nil }
