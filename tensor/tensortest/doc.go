// Package tensortest is the conformance suite every tensor.Backend runs:
// each op against a naive float64 reference on random inputs, gradients
// against the float64 reference backward (itself spot-checked by central
// finite differences in float64), odd sizes (0, 1, primes, non-multiples of
// block sizes), inputs and outputs placed at offsets inside larger buffers
// whose sentinel padding must stay untouched.
//
// A backend's test calls Run:
//
//	func TestConformance(t *testing.T) { tensortest.Run(t, tensor.NewCPU(2), tensortest.F32) }
//
// Tolerances are per op in a Tolerances table; F32 is the table for
// backends that compute in float32 (see tolerance.go for where each figure
// comes from), and a backend with lower precision passes its own table.
package tensortest
