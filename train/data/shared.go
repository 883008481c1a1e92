// shared.go: locating the project's ../shared directory (third-party data
// that is never committed), for tests and tools that use it when present.

package data

import (
	"os"
	"path/filepath"
)

// SharedDir returns the "shared" directory next to the module root (the
// first ancestor of the working directory that holds go.mod), if it exists.
func SharedDir() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			sh := filepath.Join(filepath.Dir(dir), "shared")
			if st, err := os.Stat(sh); err == nil && st.IsDir() {
				return sh, true
			}
			return "", false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// SharedFile returns the path of rel inside SharedDir, if that file exists.
func SharedFile(rel string) (string, bool) {
	sh, ok := SharedDir()
	if !ok {
		return "", false
	}
	p := filepath.Join(sh, rel)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}
