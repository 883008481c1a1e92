#!/usr/bin/python3
"""Time a bfloat16 matrix multiply `a @ b` in PyTorch on the CPU the way `embrec bench gemm -dtype bf16` does.

Warm-up calls, then timed repeats; prints one line per repeat and, as the
last line, the median GFLOP/s with min and max, in the format of
`embrec bench gemm`. Both operands are bfloat16 (PyTorch sums in float32
inside oneDNN/MKL-DNN where the CPU has AVX512_BF16). Run with Debian's
PyTorch (apt-get install python3-torch):

    /usr/bin/python3 scripts/bench-gemm-torch-bf16.py -m 2048 -n 2048 -k 2048 -threads 2
"""
import argparse
import statistics
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-m", type=int, default=2048)
    p.add_argument("-n", type=int, default=2048)
    p.add_argument("-k", type=int, default=2048)
    p.add_argument("-threads", type=int, default=0, help="intra-op threads (0: library default)")
    p.add_argument("-layout", default="NN", choices=["NN", "NT", "TN", "TT"])
    p.add_argument("-dtype", default="bf16", choices=["bf16", "f32"])
    p.add_argument("-repeats", type=int, default=10)
    p.add_argument("-warmup", type=int, default=2)
    p.add_argument("-quiet", action="store_true")
    args = p.parse_args()
    import torch
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dt = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    g = torch.Generator().manual_seed(1)
    sa = (args.k, args.m) if args.layout[0] == "T" else (args.m, args.k)
    sb = (args.n, args.k) if args.layout[1] == "T" else (args.k, args.n)
    a = torch.randn(*sa, generator=g).to(dt)
    b = torch.randn(*sb, generator=g).to(dt)
    if args.layout[0] == "T":
        a = a.t()
    if args.layout[1] == "T":
        b = b.t()
    if not args.quiet:
        print("torch %s, threads %d, mkldnn %s, bf16 supported by mkldnn: %s" % (
            torch.__version__, torch.get_num_threads(), torch.backends.mkldnn.is_available(),
            getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: "?")()))
    flop = 2.0 * args.m * args.n * args.k
    with torch.no_grad():
        for _ in range(args.warmup):
            a @ b
        g = []
        cpu0 = time.process_time()
        for i in range(args.repeats):
            t0 = time.perf_counter()
            a @ b
            dt_s = time.perf_counter() - t0
            g.append(flop / dt_s / 1e9)
            if not args.quiet:
                print("repeat %d: %.3f ms, %.1f GFLOP/s" % (i, dt_s * 1e3, g[-1]))
    cpu_s = time.process_time() - cpu0
    if cpu_s > 0:  # CPU time leaves out other jobs' time slices (includes spinning)
        print("cputime: %.1f GFLOP per CPU-second (%d calls, %.3f s)" % (flop * args.repeats / cpu_s / 1e9, args.repeats, cpu_s))
    print("torch %dx%dx%d %s %s threads=%d: %.1f GFLOP/s (median of %d, min %.1f, max %.1f)" % (
        args.m, args.n, args.k, args.layout, args.dtype, torch.get_num_threads(),
        statistics.median(g), args.repeats, min(g), max(g)))


if __name__ == "__main__":
    main()
