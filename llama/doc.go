// Package llama is the LLaMA backbone: HF config.json and safetensors
// loading, the transformer's forward and backward written out block by
// block on any tensor.Backend, KV-cache decoding (sampling and
// prefix-constrained beam search), the adapter hook LoRA plugs into, and
// conversion of llama2.c checkpoints.
//
// # Shapes
//
// The letters of package tensor: B batch, T time, C hidden (hidden_size),
// H MLP hidden (intermediate_size), NH query heads, NKV key/value heads,
// HS head size (C/NH), V vocabulary, L layers, N = B*T rows. Weights have
// HF's (out, in) layout, so a linear layer is MatMul(y, x, W, false, true).
// RoPE is rotate-half (HF); ConvertLlama2C permutes llama2.c's
// interleaved q/k rows into that layout.
//
// # Loading
//
// Load(dir, backend) reads config.json (strict: unknown keys and
// unsupported values are errors naming the file and field) and
// model.safetensors or the shards of model.safetensors.index.json. Every
// tensor is checked for presence, dtype (F32, F16, BF16) and shape; errors
// name the file, the tensor, the expected and the found shape. On the CPU
// backend F32 weights are used zero-copy from the read-only memory map;
// F16/BF16 weights are converted into one float32 allocation and their
// shards unmapped, so the model is never held twice. MakeWritable copies
// everything into one flat buffer for full fine-tuning.
//
// # Forward and backward
//
// A Run owns the activation arena of one (B, T) shape (one allocation,
// reused every step):
//
//	r := m.NewRun(B, T, llama.RunOptions{Grads: g, Checkpoint: true})
//	r.EmbedIDs(ids)                  // or write r.Input() (B, T, C) directly,
//	b.ScatterRows(r.Input()..., vecs, rows) // e.g. inject projected vectors
//	r.Forward(mask)                  // mask (B*T): 1 token, 0 padding (left or right)
//	loss, n := r.Loss(targets)       // targets (B*T), -100 ignored; lm_head on selected rows only
//	r.BackwardLoss(1)                // dInput in r.DInput(), grads accumulated
//
// Positions restart at 0 in each row after its left padding (HF's
// cumsum(mask)-1). Logits(rows)/Backward(dLogits) give direct access to
// the head; BackwardHidden starts from the final norm's output.
//
// Weight gradients exist only where asked: RunOptions.Grads (from
// Model.NewGrads: one flat float32 buffer with named views, HF names) may
// have nil fields, which are frozen and cost nothing. Adapters (SetAdapter,
// keyed by layer and Proj) add their path to any of the seven linear layers
// and accumulate their own gradients.
//
// # Activation memory
//
// ActivationBytes(cfg, B, T, opt) is the exact arena size. A block saves
// for its backward only what that backward reads whatever is trainable:
// the two 1/rms vectors, q, k and v after RoPE, the attention softmax, the
// residual after attention, and the gate and up projections. The inputs
// of the seven linear layers (the two RMSNorm outputs, the attention
// output, silu(gate)*up) are written to one scratch copy per Run and
// recomputed in backward only where a weight gradient or an adapter reads
// them: for LoRA on q and v, one RMSNorm per block. Per token, in float32
// values: (L+1)*C for the residual stream, plus per saved block
// C + 2 + NH*HS + 2*NKV*HS + 2H + NH*T, saved for all L blocks or, with
// RunOptions.Checkpoint, for one block (recomputed from the residual in
// backward: about one more forward of compute), plus scratch
// 5C + 4*NH*HS + 3*NKV*HS + 4H + 2 and (V + C + 1) per logit row.
// RunOptions.RecomputeAttention keeps one softmax buffer instead of one per
// block and reruns each block's attention forward in backward;
// RunOptions.SaveBF16 keeps the saved gate and up projections in BF16. For
// OpenLLaMA-3B at (B, T) = (8, 128) with every row a logit row this is
// 4.13 GiB, 3.27 GiB with SaveBF16, 3.74 GiB recomputing attention and
// 0.87 GiB checkpointing.
//
// # Decoding
//
// Decoder keeps a (B, Max, NKV*HS) KV cache per layer; Generate does
// batched greedy/temperature/top-p sampling over left-padded prompts;
// BeamSearch and BeamSearchEmbeds run beam search whose Allowed callback
// restricts each beam's next tokens (the trie of item ids).
package llama
