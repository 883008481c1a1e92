// Package tensor holds embrec's tensors, the Backend interface every model
// op runs on, and the CPU backend.
//
// # Tensors
//
// A Tensor is a shape, a dtype and a window (offset, length) into Storage
// owned by a Backend. Tensors are always contiguous and row-major; a view
// (Tensor.View, Tensor.Reshape) shares storage and never copies. F32 is the
// compute dtype; F16 and BF16 are storage dtypes that Backend.Copy converts
// to and from.
//
// # Shape letters
//
// Buffers carry a comment with their shape, outer to inner, in these letters:
//
//	B   batch                 T   time (sequence positions)
//	C   channels (hidden)     H   MLP hidden (intermediate) size
//	NH  query heads           NKV key/value heads (NH % NKV == 0)
//	HS  head size             V   vocabulary
//	L   layers                R   LoRA rank
//	N   rows of a 2-D view (usually B*T)
//
// # Ops
//
// Every op is a forward/backward pair with outputs first and gradients
// prefixed d (DESIGN.md §3): RMSNormForward(out, rstd, in, weight, eps) and
// RMSNormBackward(dIn, dWeight, dOut, in, weight, rstd). Parameter gradients
// accumulate (+=); activation gradients overwrite (=). A nil parameter
// gradient means "frozen, skip". Shape mismatches are programmer errors and
// panic with a "tensor:" message; nothing in an op returns an error.
//
// The Backend interface is composed of small interfaces (Allocator,
// Elementwise, MatMuler, ...), so a backend's coverage reads off its type,
// and tensortest runs one conformance suite against every implementation.
//
// # CPU backend
//
// CPU computes in float32 with float64 accumulation where a reduction is
// long (norms, softmax sums, losses). Matmul is a packed, cache-blocked SGEMM
// with an AVX2/FMA micro-kernel (package tensor/internal/gemm). Heavy ops
// split their outer loop over a fixed pool of goroutines; a CPU backend is
// used by one goroutine at a time and steady-state op calls allocate nothing.
package tensor
