// Package cuda is tensor.Backend on NVIDIA GPUs: the kernels of package
// kernels (PTX, JIT-compiled by the driver) driven through
// gorgonia.org/cu and a small cgo launcher.
//
// Build: the GPU backend exists only with the cuda build tag
// (CGO_ENABLED=1, cgo flags from scripts/cuda-env.sh). Without the tag
// New returns ErrNotBuilt and nothing imports gorgonia.org/cu, whose
// package init exits the process when no CUDA driver is found: a
// cuda-tagged binary is a GPU-only binary.
//
// # Dtypes
//
// Frozen base weights live on the device in BF16; trainable parameters,
// their gradients and AdamW state, activations, losses and norms in F32.
// Every op takes F32 tensors except:
//
//   - MatMul: a and b may each be F32 or BF16 (out is F32). Both F32 runs
//     gemm_f32 (float32 FFMA, no tf32: LoRA and projector products and
//     their gradients stay exact to float32). If either is BF16, an F32
//     operand is rounded to BF16 in a scratch buffer and the product runs on
//     the tensor cores with float32 accumulation: gemm_bf16_* (mma.sync,
//     any GPU from sm_80) or, as variants v3a, v3b and v3k, gemm_wgmma_*
//     (wgmma, sm_90a PTX loaded on compute capability 9.0 only), or as
//     v3g, v3h and v3l gemm_tma_* (wgmma with the operands copied by the
//     TMA through tensor maps, tma.go; likewise sm_90a only);
//     Options.GEMMVariant (or SetGEMMVariant) picks the variant, by default
//     "auto-tma-k" (v3g, v3h or v3l per product) on compute capability
//     9.0 and v2a elsewhere (Backend.GEMMVariant). MatMulSharedInput
//     (tensor.SharedInputMatMuler: the q/k/v or gate/up products of one
//     input) rounds the shared F32 input once for all its products.
//   - SwiGLUForward, SwiGLUBackward: gate and up may be BF16 (saved
//     activations, llama.RunOptions.SaveBF16), and so may the outputs
//     (a BF16 product's operand); SwiGLUForwardSave (tensor.FusedCopies)
//     also writes gate and up rounded to BF16.
//   - EmbeddingForward: the table may be BF16 (rows widened to F32).
//   - Copy, Fill, Upload, Download: any dtype, converting on the device.
//   - UploadBits (not in tensor.Backend): raw BF16/F16 bits, unconverted.
//
// An op given another dtype panics with a "cuda:" message.
//
// Attention takes and returns F32, but by default its products run on the
// tensor cores: Q, K, V, the probabilities P and, in the backward pass, dO
// and dS are rounded to BF16 for the products (Q after the 1/sqrt(HS)
// scale), with float32 accumulation, softmax and outputs, as PyTorch's
// bf16 attention does; relative errors are about 1e-2 of the float32
// result. Options.AttentionF32 keeps every
// attention product in float32 on gemm_f32 instead, as do calls with
// fewer than 16 query rows per head (decoding steps). FlashAttentionForward
// and FlashAttentionBackward (tensor.FlashAttention, kernels/flash.cu)
// are the fused alternative with the same roundings and no probabilities
// in memory; llama uses them under RunOptions.FlashAttention.
//
// # Execution
//
// Ops record commands (kernel launches with their parameters as exact C
// types, memsets, copies, small host arrays such as token ids inline) into
// a batch; a full batch is handed to the goroutine that owns the CUDA
// context, locked to its OS thread, which runs it with one cgo call while
// the caller records the next. Every launch is checked against the kernel's
// PTX signature when recorded, and every CUDA result code when run; with
// Options.Debug each launch is followed by a
// synchronisation, so an error names its kernel.
//
// # Configuration
//
// Everything is set through Options when New opens the device (the GEMM
// variant may change later through SetGEMMVariant); the package reads no
// environment variables. cmd/embrec maps its flags and the EMBREC_CUDA_*
// variables onto Options (embrec help env).
//
// # Tests without a GPU
//
// The device seam (device.go) has three implementations: the GPU
// (device_cu.go, cuda tag), a fake device that checks every command and
// runs Go models of some kernels (fake_test.go, splitk_test.go,
// attention_test.go), and the kernels' own CUDA source compiled for the
// CPU by kernels/emu (host_test.go). Without the cuda tag the tests that
// need a device (the conformance suite, GEMM, attention, split-K, the
// training step) run on the last; with it, on the GPU (open_*_test.go).
//
// Device memory is one arena allocated at start and sub-allocated in Go;
// a tensor's block returns to the arena when the tensor becomes
// unreachable. All work runs in order on one stream, so reuse is safe.
package cuda
