#!/usr/bin/python3
"""Time LLaMA forward and forward+backward in PyTorch (CPU, float32) on the
shapes of embrec's llama benchmarks (llama/bench_test.go), for a side-by-side
comparison at the same thread count.

    /usr/bin/python3 scripts/bench-llama-torch.py --threads 2 --repeats 5
    go test ./llama -run '^$' -bench . -benchtime 5x -cpu 2     # the Go side

The model is HF LlamaForCausalLM's computation written in plain PyTorch
(RMSNorm, rotate-half RoPE, causal softmax attention as HF's eager path in
the torch 1.13 era, SwiGLU MLP, untied head), random init (std 0.02). Forward
is embed + blocks + lm_head on every position; forward+backward adds the mean
cross-entropy over every position and loss.backward() with gradients for every
weight (set to None before each step). Prints, per shape and pass, the median
tokens/s and the min-max over the timed repeats.
"""
import argparse
import os
import statistics
import sys
import time


def _threads_from_argv():
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "2"


# Debian's torch calls OpenBLAS (pthread build) for matmul: pin its pool to
# the same thread count before torch loads it, or it oversubscribes the cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", _threads_from_argv())
import torch  # noqa: E402

SHAPES = {
    # name: (C, H, L, NH, NKV, V, B, T), as in llama/bench_test.go
    "L4C256": (256, 688, 4, 8, 8, 4096, 4, 256),
    "OpenLLaMA3BLayer": (3200, 8640, 1, 32, 32, 32, 1, 256),
}


class Llama(torch.nn.Module):
    def __init__(self, C, H, L, NH, NKV, V, T):
        super().__init__()
        self.C, self.NH, self.NKV, self.HS = C, NH, NKV, C // NH
        p = lambda *s: torch.nn.Parameter(torch.randn(*s) * 0.02)
        self.embed = p(V, C)
        self.layers = torch.nn.ModuleList()
        for _ in range(L):
            m = torch.nn.Module()
            m.n1, m.n2 = torch.nn.Parameter(torch.ones(C)), torch.nn.Parameter(torch.ones(C))
            m.q, m.k, m.v = p(NH * self.HS, C), p(NKV * self.HS, C), p(NKV * self.HS, C)
            m.o, m.g, m.u, m.d = p(C, NH * self.HS), p(H, C), p(H, C), p(C, H)
            self.layers.append(m)
        self.norm = torch.nn.Parameter(torch.ones(C))
        self.head = p(V, C)
        inv = 1.0 / (10000 ** (torch.arange(0, self.HS, 2).float() / self.HS))
        ang = torch.arange(T).float()[:, None] * inv
        self.cos = torch.cat([ang.cos(), ang.cos()], -1)
        self.sin = torch.cat([ang.sin(), ang.sin()], -1)
        self.causal = torch.full((T, T), float("-inf")).triu(1)

    @staticmethod
    def rms(x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))

    def rope(self, x):
        h = self.HS // 2
        return x * self.cos + torch.cat([-x[..., h:], x[..., :h]], -1) * self.sin

    def forward(self, ids):
        B, T = ids.shape
        x = self.embed[ids]
        for m in self.layers:
            h = self.rms(x, m.n1)
            q = (h @ m.q.T).view(B, T, self.NH, self.HS).transpose(1, 2)
            k = (h @ m.k.T).view(B, T, self.NKV, self.HS).transpose(1, 2)
            v = (h @ m.v.T).view(B, T, self.NKV, self.HS).transpose(1, 2)
            q, k = self.rope(q), self.rope(k)
            if self.NKV != self.NH:
                k = k.repeat_interleave(self.NH // self.NKV, 1)
                v = v.repeat_interleave(self.NH // self.NKV, 1)
            s = q @ k.transpose(-1, -2) / self.HS ** 0.5 + self.causal
            a = torch.softmax(s, -1) @ v
            x = x + a.transpose(1, 2).reshape(B, T, -1) @ m.o.T
            h = self.rms(x, m.n2)
            x = x + (torch.nn.functional.silu(h @ m.g.T) * (h @ m.u.T)) @ m.d.T
        return self.rms(x, self.norm) @ self.head.T


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    for name in a.shapes.split(","):
        C, H, L, NH, NKV, V, B, T = SHAPES[name]
        model = Llama(C, H, L, NH, NKV, V, T)
        ids = torch.randint(0, V, (B, T))
        tgt = torch.randint(0, V, (B, T))

        def fwd():
            with torch.no_grad():
                model(ids)

        def fwdbwd():
            for p in model.parameters():
                p.grad = None
            logits = model(ids)
            torch.nn.functional.cross_entropy(logits.view(-1, V), tgt.view(-1)).backward()

        for label, fn in (("forward", fwd), ("forward+backward", fwdbwd)):
            for _ in range(a.warmup):
                fn()
            rates = []
            for _ in range(a.repeats):
                t0 = time.perf_counter()
                fn()
                rates.append(B * T / (time.perf_counter() - t0))
            print(f"{name:18s} {label:17s} median {statistics.median(rates):9.1f} tok/s  "
                  f"(min {min(rates):.1f}, max {max(rates):.1f}, {a.repeats} repeats)")


if __name__ == "__main__":
    main()
