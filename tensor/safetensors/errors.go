// FormatError: the error every malformed-file or bad-input report uses.

package safetensors

import (
	"fmt"
	"strings"
)

// FormatError reports a malformed safetensors file or header, or invalid
// input to a writer. Its message names the file (when known) and the tensor
// (when the problem is about one), e.g.
//
//	safetensors: model.safetensors: tensor "layers.0.wq": data_offsets [0 100] hold 100 bytes, shape [5 6] F32 needs 120
type FormatError struct {
	Path   string // the file; empty for ParseHeader
	Tensor string // the tensor concerned; empty when the problem is not about one tensor
	Msg    string
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("safetensors: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Tensor != "" {
		fmt.Fprintf(&b, "tensor %q: ", e.Tensor)
	}
	b.WriteString(e.Msg)
	return b.String()
}

func formatErr(path, tensor, format string, args ...any) error {
	return &FormatError{Path: path, Tensor: tensor, Msg: fmt.Sprintf(format, args...)}
}
