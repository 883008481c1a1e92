// compressed.go: datasets stored gzip- or zstd-compressed
// (user_sequence.txt.gz, user_sequence.txt.zst), decompressed with
// klauspost/compress (the design's compression library; the standard
// library has no zstd).

package data

import (
	"fmt"
	"io"
	"strings"

	"compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// decompressReader returns r decompressed according to path's extension
// (.gz or .zst), streaming, or r itself; call closeR when done.
func decompressReader(path string, r io.Reader) (out io.Reader, closeR func(), err error) {
	switch {
	case strings.HasSuffix(path, ".gz"):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return &namedReader{zr, path}, func() { zr.Close() }, nil
	case strings.HasSuffix(path, ".zst"):
		zr, err := zstd.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return &namedReader{zr, path}, zr.Close, nil
	}
	return r, func() {}, nil
}

// namedReader labels decompression errors with the file's name.
type namedReader struct {
	r    io.Reader
	path string
}

func (n *namedReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: decompress: %w", n.path, err)
	}
	return k, err
}
