"""Seconds until the Net of hw5_cnn_mnist reaches 99% test accuracy, trained from scratch.

The network, `train`, `evaluate` and the training recipe are the notebook's own: the
set-up cell and the solution cells of source/hw5_cnn_mnist/hw5_cnn_mnist.ipynb (through
`dlcourse.notebooks.reference_namespace`) and its `net_recipe` cell, run as they are.
The clock starts when training starts and stops at the end of the first evaluation on
the full 10,000 test images that reaches 0.99, evaluations included; training stops
there.

Options change the recipe or the thread count, so that other settings can be compared
with the same code; `--baseline` runs a plain loop instead (Adam at a constant 1e-3,
minibatches of 64, the default memory layout). The README lists what they gave.

Usage: python bench/time_to_99.py [--threads N] [--batch-size B] [--num-iters T]
       [--peak-lr LR] [--eval-every E] [--no-channels-last] [--baseline] [--seed S]

The last line printed is exactly ``time_to_99: <seconds> s (test accuracy <acc>)``;
when 0.99 is never reached, <seconds> is ``inf``, <acc> the best accuracy seen, and
the exit status is 1.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import sys
import time

from dlcourse.train import seed_everything
from dlgrader import notebooks

ASSIGNMENT = "hw5_cnn_mnist"
RECIPE_CELL = "net_recipe"
TARGET = 0.99
BASELINE = {"batch_size": 64, "num_iters": 3 * 938, "eval_every": 200}


class Reached(Exception):
    """Raised from inside training at the first evaluation that reaches TARGET."""


def reference_code() -> dict[str, object]:
    """The notebook's set-up, solutions and recipe, run in one namespace."""
    namespace = notebooks.reference_namespace(ASSIGNMENT)
    cell = notebooks.cells_by_id(notebooks.read(notebooks.notebook_path(ASSIGNMENT)))[RECIPE_CELL]
    exec(compile(cell.source, f"<{ASSIGNMENT}:{RECIPE_CELL}>", "exec"), namespace)
    return namespace


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, help="torch threads (default: the recipe's)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--num-iters", type=int, help="length of the whole schedule")
    parser.add_argument("--peak-lr", type=float)
    parser.add_argument("--eval-every", type=int)
    parser.add_argument("--no-channels-last", action="store_true")
    parser.add_argument("--baseline", action="store_true",
                        help="plain Adam, lr 1e-3, batch 64, no schedule, default layout")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the weights and the order of the examples (notebook: 0)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    code = reference_code()  # imports torch: its set-up cell configures threads first
    torch = code["torch"]
    seed_everything(args.seed)
    net = code["Net"]()
    if args.baseline:
        recipe_threads = inspect.signature(code["net_recipe"]).parameters["num_threads"].default
        torch.set_num_threads(args.threads or recipe_threads)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        settings = dict(BASELINE)
        for key in ("batch_size", "num_iters", "eval_every"):
            if getattr(args, key) is not None:
                settings[key] = getattr(args, key)
        recipe = "baseline: Adam lr 1e-3, no schedule"
    else:
        overrides = {key: getattr(args, key) for key in
                     ("batch_size", "num_iters", "peak_lr", "eval_every")
                     if getattr(args, key) is not None}
        if args.threads:
            overrides["num_threads"] = args.threads
        if args.no_channels_last:
            overrides["channels_last"] = False
        optimizer, settings = code["net_recipe"](net, **overrides)
        recipe = f"net_recipe {overrides or '(as in the notebook)'}"
    print(f"{recipe}; batch {settings['batch_size']}, {settings['num_iters']} iterations, "
          f"evaluation every {settings['eval_every']}; {torch.get_num_threads()} threads",
          flush=True)

    evaluate, X_test = code["evaluate"], code["X_test"]
    evaluations: list[tuple[float, float]] = []
    start = 0.0

    def timed_evaluate(model, X, y, *rest, **kwargs):
        result = evaluate(model, X, y, *rest, **kwargs)
        if X is X_test:
            seconds, accuracy = time.perf_counter() - start, result[1]
            evaluations.append((seconds, accuracy))
            iteration = min(len(evaluations) * settings["eval_every"], settings["num_iters"])
            print(f"\n  iteration {iteration:5d}: test accuracy {accuracy:.4f} at {seconds:.1f} s",
                  flush=True)
            if accuracy >= TARGET:
                raise Reached
        return result

    code["evaluate"] = timed_evaluate
    start = time.perf_counter()
    reached = False
    try:
        code["train"](net, optimizer, code["MNIST"], seed=args.seed, desc="Net", **settings)
    except Reached:
        reached = True
    gc.collect()  # the interrupted run's progress bar closes, and prints, before the result
    if reached:
        seconds, accuracy = evaluations[-1]
        print(f"time_to_99: {seconds:.1f} s (test accuracy {accuracy:.4f})")
        return 0
    best = max((accuracy for _, accuracy in evaluations), default=0.0)
    print(f"time_to_99: inf s (test accuracy {best:.4f})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
