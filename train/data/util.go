// util.go: small helpers shared by the package's files.

package data

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }
