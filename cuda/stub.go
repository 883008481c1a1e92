//go:build !cuda

// The default build has no CUDA: New reports how to get it. This build is
// CGO-free and never imports gorgonia.org/cu (whose package init exits the
// process when no driver is found).

package cuda

// Built reports whether this binary was built with the cuda tag.
const Built = false

// New returns ErrNotBuilt: this binary was built without the cuda tag.
func New(opts Options) (*Backend, error) { return nil, ErrNotBuilt }
