#!/usr/bin/env python3
"""The table gpu-check.sh prints last: embrec beside PyTorch on one card.

Usage: gpu-summary.py LOGDIR CONFORMANCE   (reads the logs gpu-check.sh wrote)
"""
import datetime
import os
import re
import subprocess
import sys


def read(logs, name):
    try:
        with open(os.path.join(logs, name)) as f:
            return f.read()
    except OSError:
        return ""


def main():
    logs, conf = sys.argv[1], sys.argv[2]
    try:
        card = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                              capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        card = "?"
    print(f"card: {card}, {datetime.date.today()}")
    print(f"correctness (conformance, GEMM variants, training step vs CPU): {conf}")

    torch_gemm = {}
    for m in re.finditer(r"^gemm M=(\d+) K=(\d+) N=(\d+) \S+ ms=([\d.]+) tflops=([\d.]+)", read(logs, "bench-torch.log"), re.M):
        torch_gemm[(m[1], m[2], m[3])] = float(m[5])
    print(f"{'GEMM bf16':44s} {'embrec TF/s':>11s} {'torch TF/s':>10s} {'ratio':>6s}")
    for line in read(logs, "bench-gemm.log").splitlines():
        if not line.startswith("BenchmarkGEMM"):
            continue
        name = line.split()[0]
        tf = re.search(r"([\d.]+) TFLOP/s", line)
        kn = re.search(r"M(\d+)_K(\d+)_N(\d+)", name)
        if not tf:
            continue
        t = torch_gemm.get((kn[1], kn[2], kn[3])) if kn else None
        e = float(tf[1])
        ratio = f"{e / t:.2f}" if t else "-"
        short = re.sub(r"^Benchmark|-\d+$", "", name)
        print(f"{short:44s} {e:11.1f} {t if t else '-':>10} {ratio:>6s}")

    sdpa = re.search(r"^attention .* sdpa fwd\+bwd ms=([\d.]+)", read(logs, "bench-torch.log"), re.M)
    for m in re.finditer(r"^BenchmarkAttention/(\w+)/(\S+?)(?:-\d+)?\s.*?([\d.]+) ms/op", read(logs, "bench-gemm.log"), re.M):
        ratio = f", torch SDPA {float(sdpa[1]):.3f} ms: {float(sdpa[1]) / float(m[3]):.2f}x" if sdpa else ""
        print(f"attention fwd+bwd {m[2]} {m[1]:13s} {float(m[3]):8.3f} ms{ratio}")

    for m in re.finditer(r"^BenchmarkThinLoRA/(\w+)/(\w+?)(?:-\d+)?\s.*?([\d.]+) ms/op\s+([\d.]+) GB/s", read(logs, "bench-gemm.log"), re.M):
        print(f"thin LoRA product {m[2]:12s} {m[1]:9s} {float(m[3]):8.4f} ms, {float(m[4]):7.1f} GB/s")

    print("training step, OpenLLaMA-3B shape, LoRA r=8 on q,v, B*T = 8 x 256:")
    embs = list(re.finditer(r"^train device=cuda checkpoint=(\w+) gemm=(\S+) ms=([\d.]+) min=([\d.]+) max=([\d.]+) .*tokens_per_s=(\d+) peak_gib=([\d.]+) loss_first=([\d.]+)"
                            r"(?:.* recompute_attention=(\w+) activations_mib=([\d.]+))?(?: saved=(\w+))?.*\n(?:(?!train ).*\n)*?(?:attention|config)=(\S+)",
                            read(logs, "bench-train.log"), re.M))
    for e in embs:
        label = ("embrec ckpt" if e[1] == "true" else "embrec") + f" {e[2]} {e[12]}"
        if e[9] == "true":
            label += " recompute-att"
        if e[11]:
            label += f" saved={e[11]}"
        arena = f", arena {float(e[10]) / 1024:.2f} GiB" if e[10] else ""
        print(f"  {label:40s} {e[6]:>7s} tokens/s, {e[3]} ms (min {e[4]}, max {e[5]}), peak {e[7]} GiB{arena}, first loss {e[8]}")
    if not embs:
        print("  embrec:        failed (bench-train.log)")
    emb = embs[0] if embs else None
    best = max(embs, key=lambda e: int(e[6])) if embs else None
    for m in re.finditer(r"^train mode=(\w+) ms=([\d.]+)(?P<spread> min=[\d.]+ max=[\d.]+)? tokens_per_s=(\d+) peak_gib=([\d.]+)", read(logs, "bench-torch.log"), re.M):
        tok, peak = m[4], m[5]
        ratio = f", embrec default/torch {int(emb[6]) / int(tok):.2f}x" if emb else ""
        if best is not None and best is not emb:
            ratio += f", fastest embrec ({best[2]}, {best[6]} tokens/s, peak {best[7]} GiB)/torch {int(best[6]) / int(tok):.2f}x"
        spread = " (" + m["spread"].strip().replace("=", " ").replace(" max", ", max") + ")" if m["spread"] else ""
        print(f"  torch {m[1]:20s} {tok:>7s} tokens/s, {m[2]} ms{spread}, peak {peak} GiB{ratio}")

    e2e = read(logs, "e2e.log")
    last = re.findall(r"stage 2 step 300/300 loss ([\d.]+)", e2e)
    row = re.search(r"^\| r \| sequential .*$", e2e, re.M)
    print(f"end to end (embrec train+eval --device cuda, synthetic, tiny): final loss {last[-1] if last else '-'}; "
          f"{row[0] if row else 'eval failed'}")


if __name__ == "__main__":
    main()
