// compressed.go: datasets stored gzip- or zstd-compressed
// (user_sequence.txt.gz, user_sequence.txt.zst), decompressed with
// klauspost/compress (the design's compression library; the standard
// library has no zstd).

package data

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// decompress returns buf decompressed according to path's extension
// (.gz or .zst), or buf itself for any other name.
func decompress(path string, buf []byte) ([]byte, error) {
	var r io.Reader
	switch {
	case strings.HasSuffix(path, ".gz"):
		zr, err := gzip.NewReader(bytes.NewReader(buf))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	case strings.HasSuffix(path, ".zst"):
		zr, err := zstd.NewReader(bytes.NewReader(buf))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	default:
		return buf, nil
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: decompress: %w", path, err)
	}
	return out, nil
}
