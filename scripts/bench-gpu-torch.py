#!/usr/bin/env python3
"""PyTorch reference for scripts/gpu-check.sh, on the same card as embrec.

1. torch.matmul in bf16 at OpenLLaMA-3B's projection shapes, M = 4096 and the
   training step's M = B*T = 2048,
   as a linear layer computes it (x @ W^T, W stored (N, K)), timed with CUDA
   events: median of 20 after 5 warm-ups, random data (never zeros).
2. One training step of a randomly initialised OpenLLaMA-3B-shaped
   LlamaForCausalLM (hidden 3200, 26 layers, 32 heads, intermediate 8640,
   vocab 32000) in bf16, with peft LoRA r=8, alpha 16, dropout 0.05 on q_proj
   and v_proj (OpenP5's defaults), batch 8 x 256 random tokens: forward, loss,
   backward, AdamW step on the adapters. Eager mode (no torch.compile; SDPA
   attention, transformers' default); tokens/s from the median of 5 timed
   steps after 2 warm-ups; peak memory from torch.cuda.max_memory_allocated.

3. Attention alone: scaled_dot_product_attention (causal) forward + backward
   at the step's shape (B 8, 32 heads, T 256, head size 100) in bf16.

Output lines start with "gemm", "attention" or "train" (parsed by gpu-check.sh).
Usage: python3 bench-gpu-torch.py [--no-gemm] [--no-train] [--compile | --compile-only]
"""
import argparse
import statistics
import time

import torch


def timed(fn, warmup, reps):
    """The median of timed_all."""
    return statistics.median(timed_all(fn, warmup, reps))


def timed_all(fn, warmup, reps):
    """Milliseconds of each of reps calls of fn (CUDA events) after warmup calls."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    ms = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ms.append(a.elapsed_time(b))
    return ms


def bench_gemm():
    for M, K, N in [(m, k, n) for m in (4096, 2048) for k, n in [(3200, 3200), (3200, 8640), (8640, 3200)]]:
        x = torch.randn(M, K, device="cuda", dtype=torch.bfloat16)
        w = torch.randn(N, K, device="cuda", dtype=torch.bfloat16)
        ms = timed(lambda: torch.matmul(x, w.t()), 5, 20)
        print(f"gemm M={M} K={K} N={N} layout=nt ms={ms:.4f} tflops={2 * M * N * K / ms / 1e9:.1f}", flush=True)


def bench_attention():
    """SDPA (causal) forward + backward at the OpenLLaMA-3B training shape,
    B 8, 32 heads, T 256, head size 100, bf16: what the model's attention
    runs, beside embrec's BenchmarkAttention."""
    import torch.nn.functional as F
    B, NH, T, HS = 8, 32, 256, 100
    q, k, v = (torch.randn(B, NH, T, HS, device="cuda", dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
    g = torch.randn(B, NH, T, HS, device="cuda", dtype=torch.bfloat16)

    def step():
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        out.backward(g)

    ms = timed(step, 5, 20)
    print(f"attention B={B} T={T} NH={NH} HS={HS} sdpa fwd+bwd ms={ms:.4f}", flush=True)


def bench_train(compile_model):
    from transformers import LlamaConfig, LlamaForCausalLM
    from peft import LoraConfig, get_peft_model

    cfg = LlamaConfig(vocab_size=32000, hidden_size=3200, intermediate_size=8640, num_hidden_layers=26,
                      num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=2048,
                      rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False)
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)
    t = time.time()
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg)
    torch.set_default_dtype(torch.float32)
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05,
                                             target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    print(f"# model built in {time.time() - t:.1f} s", flush=True)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    B, T = 8, 256
    ids = torch.randint(0, cfg.vocab_size, (B, T), device="cuda")
    fwd = torch.compile(model) if compile_model else model

    def step():
        loss = fwd(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    torch.cuda.reset_peak_memory_stats()
    all_ms = timed_all(step, 2, 5)
    ms = statistics.median(all_ms)
    peak = torch.cuda.max_memory_allocated() / 2**30
    mode = "compile" if compile_model else "eager"
    print(f"train mode={mode} ms={ms:.1f} min={min(all_ms):.1f} max={max(all_ms):.1f} tokens_per_s={B * T / ms * 1e3:.0f} peak_gib={peak:.2f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--compile", action="store_true", help="also time the step under torch.compile")
    ap.add_argument("--compile-only", action="store_true", help="time the step under torch.compile only")
    ap.add_argument("--no-gemm", action="store_true")
    a = ap.parse_args()
    print(f"# torch {torch.__version__}, {torch.cuda.get_device_name()}", flush=True)
    if not a.no_gemm:
        bench_gemm()
        bench_attention()
    if not a.no_train:
        if not a.compile_only:
            bench_train(False)
        if a.compile or a.compile_only:
            bench_train(True)


if __name__ == "__main__":
    main()
