"""Sweeps over a layer's documented parameter space, for hidden tests.

A hand-picked list of cases misses corners: no padding, a 1 x 1 window, a window as
large as the padded input, a stride larger than the window, a batch of one, a side the
stride does not divide. `for_all` runs a check on cases that hypothesis draws from a
strategy below, and when one fails, shrinks it to the simplest failing case, whose
shapes the check's message names. The draw is derandomised: every grading of the same
code tries the same cases, so a grade is reproducible.

    def _test():
        from dlcourse import checks, sweep

        def check(case):
            x_shape, w_shape, stride, pad, seed = case
            ...  # build inputs from default_rng(seed), compare with torch

        sweep.for_all(sweep.conv_cases(), check)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

EXAMPLES = 40
"""Cases per sweep: enough to reach every corner of the strategies below in practice."""


def for_all(cases: st.SearchStrategy, check: Callable[[object], None], *,
            examples: int = EXAMPLES) -> None:
    """Runs ``check(case)`` on ``examples`` cases drawn from ``cases``, the same cases on
    every run; re-raises the failure of the simplest failing case (one failure, even when
    the check fails in several ways, so that the test cell shows one message)."""
    # hypothesis caches what it reads from local modules under ./.hypothesis; keep that
    # out of the student's (or the grader's) folder.
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "dlcourse-hypothesis")

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=False,
              report_multiple_bugs=False)
    @given(cases)
    def run(case):
        check(case)

    run()


@st.composite
def conv_cases(draw, *, max_side: int = 8) -> tuple:
    """A convolution the task allows: ``(x_shape, w_shape, stride, pad, seed)``.

    x is (N, C, H, W) with N, C, F in 1..3 and H, W in 1..``max_side``; pad in 0..2;
    stride in 1..3; the kernel HH x WW from 1 x 1 up to the padded input's size, so
    square and rectangular, smaller and larger than the stride; seed for the values.
    """
    n, c, f = (draw(st.integers(1, 3)) for _ in range(3))
    pad, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    hh, ww = draw(st.integers(1, h + 2 * pad)), draw(st.integers(1, w + 2 * pad))
    return (n, c, h, w), (f, c, hh, ww), stride, pad, draw(st.integers(0, 2**32 - 1))


@st.composite
def pool_cases(draw, *, max_side: int = 8) -> tuple:
    """A max-pooling the task allows: ``(x_shape, pool_height, pool_width, stride, seed)``,
    with windows from 1 x 1 to the whole input and strides 1..3."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    ph, pw = draw(st.integers(1, h)), draw(st.integers(1, w))
    return (n, c, h, w), ph, pw, draw(st.integers(1, 3)), draw(st.integers(0, 2**32 - 1))


@st.composite
def conv_size_cases(draw, *, max_side: int = 30) -> tuple:
    """An output-size question the task allows: ``(size, kernel_size, stride, padding)``.

    size in 1..``max_side``; padding in 0..3 (0 included); the kernel from 1 up to the
    padded size, so larger than the unpadded input and as large as the padded one (one
    output); stride in 1..6, so larger than the kernel and not dividing the span.
    """
    padding, stride = draw(st.integers(0, 3)), draw(st.integers(1, 6))
    size = draw(st.integers(1, max_side))
    return size, draw(st.integers(1, size + 2 * padding)), stride, padding


@st.composite
def decay_cases(draw) -> tuple:
    """An exponential decay eta_min + (eta_max - eta_min) exp(-t / tau):
    ``(eta_min, eta_max, tau, t)``.

    eta_min 0 or in [1e-6, 1e-2]; eta_max above it, up to 1; tau in 1..10000
    iterations; t at 0, at tau, within a few tau and far beyond (up to 100 tau).
    """
    eta_min = draw(st.one_of(st.just(0.0), st.floats(1e-6, 1e-2)))
    eta_max = draw(st.floats(2 * eta_min + 1e-5, 1.0))
    tau = draw(st.integers(1, 10_000))
    t = draw(st.one_of(st.just(0), st.just(tau), st.integers(1, 3 * tau),
                       st.integers(3 * tau, 100 * tau)))
    return eta_min, eta_max, tau, t


@st.composite
def batch_cases(draw, *, max_examples: int = 40) -> tuple:
    """A pass over a data set in minibatches: ``(num_examples, batch_size, seed)``.

    N in 1..``max_examples``; batch_size 1, up to N (dividing it or not), N, or larger.
    """
    n = draw(st.integers(1, max_examples))
    batch_size = draw(st.one_of(st.just(1), st.integers(1, n), st.integers(n, n + 10)))
    return n, batch_size, draw(st.integers(0, 2**32 - 1))


@st.composite
def train_cases(draw, *, max_examples: int = 30) -> tuple:
    """A short training run: ``(num_train, batch_size, num_iters, eval_every, seed)``.

    num_train in 1..``max_examples``; batch_size 1, up to num_train (dividing it or not)
    or all of it; num_iters from 1 to a little over three epochs; eval_every from 1 to
    past num_iters, dividing it or not.
    """
    n = draw(st.integers(1, max_examples))
    batch_size = draw(st.one_of(st.just(1), st.just(n), st.integers(1, n)))
    num_iters = draw(st.integers(1, 3 * (n // batch_size) + 2))
    eval_every = draw(st.one_of(st.just(num_iters), st.integers(1, num_iters + 2)))
    return n, batch_size, num_iters, eval_every, draw(st.integers(0, 2**32 - 1))


@st.composite
def split_cases(draw, *, max_rows: int = 40) -> tuple:
    """A training set to split: ``(x_shape, val_fraction, seed)``.

    N in 1..``max_rows`` rows, each a number or an array of up to two more dimensions;
    val_fraction such that round(val_fraction * N) is any number of rows from 0 (none
    held out) to N (all of them), and val_fraction * N is never within 0.1 of a half,
    where round's tie rule would decide.
    """
    n = draw(st.integers(1, max_rows))
    num_val = draw(st.integers(0, n))
    low, high = (0.0 if num_val == 0 else -0.4), (0.0 if num_val == n else 0.4)
    fraction = (num_val + draw(st.floats(low, high))) / n
    extra = draw(st.lists(st.integers(1, 3), max_size=2))
    return (n, *extra), fraction, draw(st.integers(0, 2**32 - 1))


UPDATE_SETTINGS = {
    "sgd": ("learning_rate",),
    "sgd_momentum": ("learning_rate", "momentum"),
    "adam": ("learning_rate", "beta1", "beta2", "epsilon"),
}
"""The settings of each update rule, besides its state."""


@st.composite
def update_cases(draw, rule: str, *, max_side: int = 4) -> tuple:
    """Steps of an update rule: ``(shapes, dtype, settings, with_state, steps, seed)``.

    One or two parameters updated in turn, each with its own config: shapes (1,), 1-D,
    2-D or 4-D with sides 1..``max_side``; dtype 'float32' or 'float64'; settings None
    (no config: every default) or a dict of some of ``rule``'s settings (the others left
    to their defaults): learning_rate in [1e-4, 1], momentum and beta1 in [0, 0.99],
    beta2 in [0.5, 0.9999], epsilon in [1e-8, 1e-3]; with_state (only with a config and a
    rule that has state) whether the config already holds the state of earlier steps;
    1..4 steps.
    """
    side = st.integers(1, max_side)
    shape = st.one_of(st.just((1,)), st.tuples(side), st.tuples(side, side),
                      st.tuples(side, side, side, side))
    shapes = draw(st.lists(shape, min_size=1, max_size=2))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    ranges = {"learning_rate": st.floats(1e-4, 1.0), "momentum": st.floats(0.0, 0.99),
              "beta1": st.floats(0.0, 0.99), "beta2": st.floats(0.5, 0.9999),
              "epsilon": st.floats(1e-8, 1e-3)}
    settings = None
    if draw(st.booleans()):
        settings = {name: draw(ranges[name]) for name in UPDATE_SETTINGS[rule]
                    if draw(st.booleans())}
    with_state = rule != "sgd" and settings is not None and draw(st.booleans())
    return (shapes, dtype, settings, with_state, draw(st.integers(1, 4)),
            draw(st.integers(0, 2**32 - 1)))


@st.composite
def solver_cases(draw, *, max_rows: int = 12) -> tuple:
    """A short training run: ``(num_train, batch_size, num_epochs, lr_decay,
    learning_rate, seed)``.

    num_train in 1..``max_rows``; batch_size from 1 to past num_train (dividing it, not
    dividing it, larger); 1..3 epochs; lr_decay 1.0 or in [0.1, 0.99]; learning_rate in
    [0.01, 1].
    """
    num_train = draw(st.integers(1, max_rows))
    batch_size = draw(st.one_of(st.integers(1, num_train), st.integers(num_train, max_rows + 3)))
    lr_decay = draw(st.one_of(st.just(1.0), st.floats(0.1, 0.99)))
    return (num_train, batch_size, draw(st.integers(1, 3)), lr_decay, draw(st.floats(0.01, 1.0)),
            draw(st.integers(0, 2**32 - 1)))


REG = st.one_of(st.just(0.0), st.floats(1e-3, 1.0))
"""A regularisation strength: none, or some."""


@st.composite
def binary_classifier_cases(draw) -> tuple:
    """A binary classifier: ``(num_rows, input_dim, hidden_dim, loss, reg, seed)``.

    N in 1..5 (a batch of one included); D in 1..4; no hidden layer (None) or 1..6
    hidden units; the 'logistic' or the 'svm' loss; reg 0 or in [1e-3, 1].
    """
    hidden_dim = draw(st.one_of(st.none(), st.integers(1, 6)))
    return (draw(st.integers(1, 5)), draw(st.integers(1, 4)), hidden_dim,
            draw(st.sampled_from(["logistic", "svm"])), draw(REG), draw(st.integers(0, 2**32 - 1)))


@st.composite
def softmax_classifier_cases(draw) -> tuple:
    """A C-class classifier: ``(x_shape, hidden_dim, num_classes, reg, seed)``.

    x (N, D) or (N, d_1, d_2) with N in 1..5 (a batch of one included) and sides 1..3;
    no hidden layer (None) or 1..6 hidden units; 2..5 classes; reg 0 or in [1e-3, 1].
    """
    x_shape = (draw(st.integers(1, 5)),
               *draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    return (x_shape, draw(st.one_of(st.none(), st.integers(1, 6))), draw(st.integers(2, 5)),
            draw(REG), draw(st.integers(0, 2**32 - 1)))


@st.composite
def convnet_cases(draw, *, max_side: int = 6) -> tuple:
    """A small convolutional network: ``(x_shape, num_filters, filter_size, hidden_dim,
    num_classes, use_batchnorm, reg, seed)``.

    x (N, C, H, W) with N in 1..3 (a batch of one included), C in 1..2, H and W in
    2..``max_side``; 1..3 filters of size 1 up to one less than the smaller side (so
    the 2 x 2 pooling has at least one window, and odd maps lose their last row or
    column); 1..5 hidden units; 2..4 classes; with or without batch normalisation; reg 0
    or in [1e-3, 1].
    """
    h, w = draw(st.integers(2, max_side)), draw(st.integers(2, max_side))
    x_shape = (draw(st.integers(1, 3)), draw(st.integers(1, 2)), h, w)
    return (x_shape, draw(st.integers(1, 3)), draw(st.integers(1, min(h, w) - 1)),
            draw(st.integers(1, 5)), draw(st.integers(2, 4)), draw(st.booleans()), draw(REG),
            draw(st.integers(0, 2**32 - 1)))
