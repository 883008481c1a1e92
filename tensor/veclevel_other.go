//go:build !amd64 || purego

package tensor

// supportedISAs: the portable loops alone without assembly.
func supportedISAs() []vecISA { return []vecISA{isaGo} }

func setISA(i vecISA) { isa = i }
