#!/usr/bin/python3
"""Time float32 matrix multiply in numpy/OpenBLAS the way `embrec bench gemm` does.

Warm-up calls, then timed repeats; prints one line per repeat and, as the
last line, the median GFLOP/s with min and max, in the same format as
`embrec bench gemm`. Threads are set with threadpoolctl (falling back to
OPENBLAS_NUM_THREADS, which must then be set before numpy is imported).

Run with Debian's numpy (python3-numpy + libopenblas0-pthread), with the
environment's OpenBLAS overrides removed so OpenBLAS picks its own kernel:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 \\
        scripts/bench-gemm-openblas.py -m 2048 -n 2048 -k 2048 -threads 2
"""
import argparse
import os
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-m", type=int, default=1024, help="rows of C and op(A)")
    p.add_argument("-n", type=int, default=1024, help="columns of C and op(B)")
    p.add_argument("-k", type=int, default=1024, help="inner dimension")
    p.add_argument("-threads", type=int, default=0, help="BLAS threads (0: library default)")
    p.add_argument("-layout", default="NN", choices=["NN", "NT", "TN", "TT"],
                   help="transposes of A and B, as in embrec bench gemm")
    p.add_argument("-repeats", type=int, default=10, help="timed calls")
    p.add_argument("-warmup", type=int, default=2, help="untimed calls first")
    p.add_argument("-quiet", action="store_true", help="skip the per-repeat lines and the library info")
    args = p.parse_args()

    env_note = ["env %s=%s" % (v, os.environ[v]) for v in
                ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS") if v in os.environ]
    if args.threads > 0:
        # Effective only if set before the library loads; threadpoolctl below is the main control.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    import numpy as np

    limiter = None
    info = []
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        if args.threads > 0:
            limiter = threadpool_limits(limits=args.threads, user_api="blas")
        info = threadpool_info()
    except ImportError:
        print("threadpoolctl not available; threads from OPENBLAS_NUM_THREADS", file=sys.stderr)

    if not args.quiet:
        for lib in info:
            if lib.get("user_api") == "blas":
                print("blas: %s %s, internal_api=%s, threading=%s, architecture=%s, num_threads=%s, %s" % (
                    lib.get("internal_api"), lib.get("version"), lib.get("internal_api"),
                    lib.get("threading_layer"), lib.get("architecture"), lib.get("num_threads"),
                    lib.get("filepath")))
        for note in env_note:
            print(note)

    m, n, k = args.m, args.n, args.k
    rng = np.random.default_rng(1)
    # Store A and B the way the layout says, then multiply the transposed views,
    # so numpy passes the transpose flags to sgemm (no copies).
    a = rng.standard_normal((k, m) if args.layout[0] == "T" else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if args.layout[1] == "T" else (k, n), dtype=np.float32)
    opa = a.T if args.layout[0] == "T" else a
    opb = b.T if args.layout[1] == "T" else b
    c = np.empty((m, n), dtype=np.float32)

    flop = 2.0 * m * n * k
    for _ in range(args.warmup):
        np.matmul(opa, opb, out=c)
    g = []
    cpu0 = time.process_time()
    for i in range(args.repeats):
        t0 = time.perf_counter()
        np.matmul(opa, opb, out=c)
        dt = time.perf_counter() - t0
        g.append(flop / dt / 1e9)
        if not args.quiet:
            print("repeat %d: %.3f ms, %.1f GFLOP/s" % (i, dt * 1e3, g[-1]))
    cpu_s = time.process_time() - cpu0
    if cpu_s > 0:  # CPU time leaves out other jobs' time slices (includes spinning)
        print("cputime: %.1f GFLOP per CPU-second (%d calls, %.3f s)" % (flop * args.repeats / cpu_s / 1e9, args.repeats, cpu_s))
    s = sorted(g)
    h = len(s) // 2
    med = s[h] if len(s) % 2 else (s[h - 1] + s[h]) / 2
    threads = args.threads
    if threads <= 0:
        threads = next((lib.get("num_threads") for lib in info if lib.get("user_api") == "blas"), "?")
    print("numpy %dx%dx%d %s threads=%s: %.1f GFLOP/s (median of %d, min %.1f, max %.1f)" % (
        m, n, k, args.layout, threads, med, len(g), s[0], s[-1]))
    if limiter is not None:
        limiter.restore_original_limits()


if __name__ == "__main__":
    main()
