//go:build !cuda

// Without -tags cuda no PTX is embedded: nothing in such a binary can load
// a kernel, and the table (table_gen.go) describes them all.

package kernels

import "fmt"

// PTX reports that this binary was built without -tags cuda and so holds
// no PTX.
func PTX(module string) (string, error) {
	return "", fmt.Errorf("kernels: PTX module %q: the PTX is embedded only in binaries built with -tags cuda", module)
}
