//go:build !unix

// Run-directory locks elsewhere: not available; training proceeds without
// one (the README says so).

package train

import "os"

func lockFile(*os.File) error { return nil }
func unlockFile(*os.File)     {}
