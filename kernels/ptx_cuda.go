//go:build cuda

// The PTX, embedded in binaries built with -tags cuda only.

package kernels

import (
	"embed"
	"fmt"
)

//go:embed *.ptx
var ptxFiles embed.FS

// PTX returns the PTX text of a module (NUL-terminated, as
// cuModuleLoadData wants it).
func PTX(module string) (string, error) {
	b, err := ptxFiles.ReadFile(module + ".ptx")
	if err != nil {
		return "", fmt.Errorf("kernels: no PTX module %q: %w", module, err)
	}
	return string(b) + "\x00", nil
}
