"""Training throughput of hw3's numpy CNN against the same network in PyTorch, on the CPU.

The numpy side is the reference solution of hw3_classifiers (its ConvNet, Solver and
Adam, taken from the source notebook, on hw2's layers from ``layers.py``); the torch side
is the same architecture and optimiser:

    conv 8 filters 5x5 - relu - 2x2 max-pool - fc 100 - relu - fc 10 - softmax,
    Adam with learning rate 3e-3, batches of 64 MNIST images, float32.

One training step is a forward and backward pass on a batch and one update of every
parameter. After a warm-up the two run STEPS steps each, alternately, so that both see
the same load on a shared machine; each step is timed and the median gives images per
second. torch gets as many threads as numpy's BLAS uses. The last line is the result:
``numpy_cnn: <n> images/s, torch <m> images/s (ratio <r>)``, the ratio being torch's
throughput over numpy's, that is numpy's time per step over torch's (as in
bench_layers.py). Reproduce the figures of one thread each with
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/numpy_cnn_throughput.py``.

Needs ``source/hw3_classifiers/layers.py``: run ``python -m dlcourse.cli release
hw3_classifiers`` (or ``make release``) first.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from bench_layers import numpy_blas_threads

from dlcourse.data import load_mnist
from dlgrader import notebooks

ASSIGNMENT = "hw3_classifiers"
BATCH_SIZE = 64
LEARNING_RATE = 3e-3
NUM_FILTERS, FILTER_SIZE, HIDDEN_DIM, NUM_CLASSES = 8, 5, 100, 10
WARMUP = 5
STEPS = 60


def numpy_step(ref: dict, images: np.ndarray, labels: np.ndarray):
    """The notebook's ConvNet in a Solver; returns a function that takes one step."""
    model = ref["ConvNet"](num_filters=NUM_FILTERS, filter_size=FILTER_SIZE,
                           hidden_dim=HIDDEN_DIM, num_classes=NUM_CLASSES, seed=0)
    data = {"X_train": images, "y_train": labels, "X_val": images[:BATCH_SIZE],
            "y_val": labels[:BATCH_SIZE]}
    solver = ref["Solver"](model, data, update_rule="adam",
                           optim_config={"learning_rate": LEARNING_RATE},
                           batch_size=BATCH_SIZE, verbose=False)

    def step(rows: np.ndarray) -> None:
        solver._step(images[rows], labels[rows])

    return step, model


def torch_step(images: np.ndarray, labels: np.ndarray):
    """The same network and optimiser in torch; returns a function that takes one step."""
    side = (images.shape[-1] - FILTER_SIZE + 1) // 2
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, NUM_FILTERS, FILTER_SIZE), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(NUM_FILTERS * side * side, HIDDEN_DIM),
        torch.nn.ReLU(), torch.nn.Linear(HIDDEN_DIM, NUM_CLASSES),
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    images_t, labels_t = torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))

    def step(rows: np.ndarray) -> None:
        index = torch.from_numpy(rows)
        optimizer.zero_grad()
        F.cross_entropy(net(images_t[index]), labels_t[index]).backward()
        optimizer.step()

    return step, net


def main() -> None:
    threads, how = numpy_blas_threads()
    torch.set_num_threads(threads)
    print(f"threads: numpy BLAS {threads} ({how}), torch {torch.get_num_threads()}; "
          f"{STEPS} steps each after {WARMUP} warm-up steps, batches of {BATCH_SIZE}, "
          "float32, CPU", flush=True)
    layers_module = notebooks.SOURCE_DIR / ASSIGNMENT / "layers.py"
    if not layers_module.exists():
        raise SystemExit(f"{layers_module} is missing: run "
                         f"`python -m dlcourse.cli release {ASSIGNMENT}` first")
    sys.path.insert(0, str(layers_module.parent))  # the notebook's `from layers import ...`
    ref = notebooks.reference_namespace(ASSIGNMENT)

    x_train, y_train, _, _ = load_mnist(normalize=True)
    images, labels = np.ascontiguousarray(x_train[:, None]), y_train
    run_numpy, model = numpy_step(ref, images, labels)
    run_torch, net = torch_step(images, labels)
    numpy_params = sum(value.size for value in model.params.values())
    torch_params = sum(p.numel() for p in net.parameters())
    if numpy_params != torch_params:
        raise SystemExit(f"the networks differ: {numpy_params} parameters in numpy, "
                         f"{torch_params} in torch")
    print(f"network: conv {NUM_FILTERS}x{FILTER_SIZE}x{FILTER_SIZE} - relu - pool - fc "
          f"{HIDDEN_DIM} - relu - fc {NUM_CLASSES}, {numpy_params} parameters", flush=True)

    rng = np.random.default_rng(0)
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(WARMUP + STEPS):
        rows = rng.choice(len(images), BATCH_SIZE, replace=False)
        for run, record in ((run_numpy, times[0]), (run_torch, times[1])):
            start = time.perf_counter()
            run(rows)
            if i >= WARMUP:
                record.append(time.perf_counter() - start)
    numpy_rate, torch_rate = (BATCH_SIZE / statistics.median(t) for t in times)
    print(f"median step: numpy {1e3 * statistics.median(times[0]):.1f} ms, torch "
          f"{1e3 * statistics.median(times[1]):.1f} ms", flush=True)
    print(f"numpy_cnn: {numpy_rate:.0f} images/s, torch {torch_rate:.0f} images/s "
          f"(ratio {torch_rate / numpy_rate:.1f})")


if __name__ == "__main__":
    main()
