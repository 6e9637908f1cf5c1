"""hw2's reference conv and max-pool layers against torch.nn.functional, on the CPU.

Times forward + backward of the numpy reference solutions (taken from the source
notebook) and of torch's conv2d / max_pool2d with autograd, on float32 inputs:

- conv: x (64, 20, 12, 12), w (50, 20, 5, 5), stride 1, no padding;
- max-pool: x (64, 20, 24, 24), 2x2 windows, stride 2.

Each is warmed up, then run REPEATS times, numpy and torch alternately so that both
see the same load; the medians are compared. torch gets as many threads as numpy's
BLAS uses (numpy's elementwise work is single-threaded either way); on a shared,
busy machine OPENBLAS_NUM_THREADS=1 gives steadier figures for both.
The last line is the result: ``layers: conv ratio <r>, max-pool ratio <r> (numpy/torch
median time)``; the goals are ratios of at most 1.2 (conv) and 1.0 (max-pool).
"""

from __future__ import annotations

import ctypes
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from dlgrader.notebooks import reference_namespace

REPEATS = 30
WARMUP = 3


def numpy_blas_threads() -> tuple[int, str]:
    """How many threads numpy's OpenBLAS uses, and how that was found out."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps
                     if "openblas" in line.lower() and "numpy" in line}
    except OSError:
        paths = set()
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                       "scipy_openblas_get_num_threads", "openblas_get_num_threads"):
            getter = getattr(lib, symbol, None)
            if getter is not None:
                return int(getter()), "queried from OpenBLAS"
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(name):
            return int(os.environ[name]), f"from {name}"
    return len(os.sched_getaffinity(0)), "assumed: one per available core"


Run = Callable[[], object]


def median_ms(numpy_run: Run, torch_run: Run) -> tuple[float, float]:
    """Median wall times in milliseconds of two functions, after a warm-up.

    The two run alternately, so that both see the same load on a shared machine.
    """
    for _ in range(WARMUP):
        numpy_run()
        torch_run()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(REPEATS):
        for run, record in ((numpy_run, times[0]), (torch_run, times[1])):
            start = time.perf_counter()
            run()
            record.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times[0]), 1e3 * statistics.median(times[1])


def report(op: str, numpy_run: Run, torch_run: Run) -> float:
    """Times both, prints the op's line and returns the ratio numpy/torch."""
    numpy_ms, torch_ms = median_ms(numpy_run, torch_run)
    ratio = numpy_ms / torch_ms
    print(f"{op}: numpy {numpy_ms:.2f} ms, torch {torch_ms:.2f} ms, ratio {ratio:.2f}", flush=True)
    return ratio


def bench_conv(ref: dict, rng: np.random.Generator) -> float:
    conv_forward, conv_backward = ref["conv_forward"], ref["conv_backward"]
    x = rng.standard_normal((64, 20, 12, 12), dtype=np.float32)
    w = rng.standard_normal((50, 20, 5, 5), dtype=np.float32)
    b = rng.standard_normal(50, dtype=np.float32)
    dout = rng.standard_normal((64, 50, 8, 8), dtype=np.float32)
    conv_param = {"stride": 1, "pad": 0}

    def numpy_run():
        out, cache = conv_forward(x, w, b, conv_param)
        return out, conv_backward(dout, cache)

    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    dout_t = torch.tensor(dout)

    def torch_run():
        xt.grad = wt.grad = bt.grad = None
        out = F.conv2d(xt, wt, bt)
        out.backward(dout_t)
        return out

    out, (dx, dw, db) = numpy_run()
    out_t = torch_run()
    for name, mine, theirs in [("out", out, out_t.detach()), ("dx", dx, xt.grad),
                               ("dw", dw, wt.grad), ("db", db, bt.grad)]:
        if mine.dtype != np.float32 or not np.allclose(mine, theirs.numpy(), rtol=1e-3, atol=1e-2):
            raise SystemExit(f"conv {name}: the reference disagrees with torch")
    return report("conv", numpy_run, torch_run)


def bench_max_pool(ref: dict, rng: np.random.Generator) -> float:
    pool_forward, pool_backward = ref["max_pool_forward"], ref["max_pool_backward"]
    x = rng.standard_normal((64, 20, 24, 24), dtype=np.float32)
    dout = rng.standard_normal((64, 20, 12, 12), dtype=np.float32)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

    def numpy_run():
        out, cache = pool_forward(x, pool_param)
        return out, pool_backward(dout, cache)

    xt = torch.tensor(x, requires_grad=True)
    dout_t = torch.tensor(dout)

    def torch_run():
        xt.grad = None
        out = F.max_pool2d(xt, 2, stride=2)
        out.backward(dout_t)
        return out

    out, dx = numpy_run()
    out_t = torch_run()
    for name, mine, theirs in [("out", out, out_t.detach()), ("dx", dx, xt.grad)]:
        if mine.dtype != np.float32 or not np.array_equal(mine, theirs.numpy()):
            raise SystemExit(f"max-pool {name}: the reference disagrees with torch")
    return report("max-pool", numpy_run, torch_run)


def main() -> None:
    threads, how = numpy_blas_threads()
    torch.set_num_threads(threads)
    print(f"threads: numpy BLAS {threads} ({how}), torch {torch.get_num_threads()}; "
          f"{REPEATS} runs each after {WARMUP} warm-up runs, float32, CPU", flush=True)
    ref = reference_namespace("hw2_layers")
    rng = np.random.default_rng(0)
    conv_ratio = bench_conv(ref, rng)
    pool_ratio = bench_max_pool(ref, rng)
    print(f"layers: conv ratio {conv_ratio:.2f}, max-pool ratio {pool_ratio:.2f} "
          "(numpy/torch median time)")


if __name__ == "__main__":
    main()
