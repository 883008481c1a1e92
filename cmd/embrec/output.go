// Standard output that notices write errors: commands print their results
// through writers that remember the first failed write, and main turns it
// into a failure (exit 1), so `embrec recommend ... > /dev/full` does not
// exit 0 with nothing written.

package main

import (
	"fmt"
	"io"
	"os"
)

// cmdOut is where eval, recommend, demo and info print their results
// (tests may replace it).
var cmdOut io.Writer = os.Stdout

// checkedWriter remembers the first write error of w.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = fmt.Errorf("write standard output: %w", err)
	}
	return n, err
}

// stdoutError returns the first write error of the command writers that
// are checkedWriters.
func stdoutError() error {
	for _, w := range []io.Writer{cmdOut, dataOut, generateOut, convertOut, tokenizeOut, benchOut} {
		if c, ok := w.(*checkedWriter); ok && c.err != nil {
			return c.err
		}
	}
	return nil
}

// checkStdout routes every command's standard-output writer through one
// checkedWriter and returns it.
func checkStdout() *checkedWriter {
	c := &checkedWriter{w: os.Stdout}
	cmdOut, dataOut, generateOut, convertOut, tokenizeOut, benchOut = c, c, c, c, c, c
	return c
}
