"""Build data/binary.npz: two noisy, interleaved half-moons for the binary classifiers.

The set has 1,000 points in the plane, 500 per class. By convention the first 500 rows
are the training split, the next 250 the validation split and the last 250 the test
split (``dlcourse.data.load_binary`` hands them out that way); each split holds the two
classes in equal numbers, in shuffled order. The classes are not linearly separable: a
linear classifier gets roughly 85 % right, a network with one hidden layer well over 95 %.

The file must come out byte for byte the same on every machine, because
``dlcourse.data`` checks its sha256. So the generator uses only what IEEE 754 makes
exact everywhere: uniform draws from numpy's PCG64 generator, +, -, *, / and sqrt.
Points on a half-circle come from rejection sampling rather than cos/sin, and the
Gaussian-looking noise is a sum of twelve uniforms (Irwin-Hall) rather than
``normal()``, whose tails go through the platform's exp and log. The arrays are
stored without compression, so the zlib build does not matter either.

Run from the repository root:

    .venv/bin/python data/build_binary.py            # writes data/binary.npz
    .venv/bin/python data/build_binary.py --out x.npz
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from dlcourse.data import BINARY_SHA256, BINARY_SPLITS

SEED = 20240917
NUM_EXAMPLES = 1000
NOISE = 0.15
DEFAULT_OUT = Path(__file__).resolve().parent / "binary.npz"


def _half_circle(rng: np.random.Generator, num: int) -> np.ndarray:
    """Points spread uniformly in angle over the upper half of the unit circle.

    A point drawn uniformly from the upper half-disk, scaled to unit length, has a
    uniform angle in [0, pi]; points too close to the centre are drawn again.

    Returns:
        shape (num, 2).
    """
    points = np.empty((0, 2))
    while len(points) < num:
        u = rng.random((2 * num, 2))
        u[:, 0] = 2.0 * u[:, 0] - 1.0
        r2 = u[:, 0] * u[:, 0] + u[:, 1] * u[:, 1]
        keep = (r2 > 0.01) & (r2 <= 1.0)
        points = np.concatenate([points, u[keep] / np.sqrt(r2[keep])[:, None]])
    return points[:num]


def _noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Approximately standard normal noise: the sum of 12 uniforms on [0, 1), minus 6.

    The twelve terms are added one after the other, so the rounding is the same
    everywhere (a numpy reduction may pick its summation order per machine).
    """
    u = rng.random((12, *shape))
    total = np.zeros(shape)
    for term in u:
        total = total + term
    return total - 6.0


def _stratified_rows(rng: np.random.Generator, y: np.ndarray, rows: slice) -> np.ndarray:
    """The rows that make up one split: half from each class, in shuffled order.

    The points of each class are drawn independently, so taking them in the order
    they were drawn is as good as picking at random.

    Args:
        y: labels, shape (N,): N/2 zeros, then N/2 ones.
        rows: where the split lies in the final order, e.g. slice(500, 750).

    Returns:
        indices into y, shape (rows.stop - rows.start,).
    """
    share = slice(rows.start // 2, rows.stop // 2)
    picked = [np.flatnonzero(y == c)[share] for c in (0, 1)]
    return rng.permutation(np.concatenate(picked))


def make_binary(seed: int = SEED) -> dict[str, np.ndarray]:
    """Two interleaved half-moons with noise, in the split order of BINARY_SPLITS.

    Class 0 is the upper moon (cos t, sin t), class 1 the lower one
    (1 - cos t, 1/2 - sin t), t in [0, pi]; both are shifted so that the set is centred
    near the origin, and noise of standard deviation NOISE is added to each coordinate.

    Args:
        seed: seed of numpy's default generator.

    Returns:
        {'X': shape (N, 2) float64, 'y': shape (N,) int64 in {0, 1}}, N = NUM_EXAMPLES.
    """
    rng = np.random.default_rng(seed)
    num_per_class = NUM_EXAMPLES // 2
    upper = _half_circle(rng, num_per_class)
    lower = np.array([1.0, 0.5]) - _half_circle(rng, num_per_class)
    X = np.concatenate([upper, lower]) - np.array([0.5, 0.25])
    X = X + NOISE * _noise(rng, X.shape)
    y = np.repeat(np.arange(2, dtype=np.int64), num_per_class)
    order = np.concatenate([_stratified_rows(rng, y, rows) for rows in BINARY_SPLITS.values()])
    return {"X": X[order], "y": y[order]}


def main(argv: list[str] | None = None) -> None:
    """Write the data set, print its class counts per split and its sha256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the .npz to write")
    args = parser.parse_args(argv)
    arrays = make_binary()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "wb") as f:
        np.savez(f, **arrays)
    for name, rows in BINARY_SPLITS.items():
        print(f"{name:5s} class counts: {np.bincount(arrays['y'][rows]).tolist()}")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"sha256 {digest}  {args.out.name}")
    if digest != BINARY_SHA256:
        print(
            f"This differs from dlcourse.data.BINARY_SHA256 ({BINARY_SHA256}), which the "
            "loader checks against."
        )


if __name__ == "__main__":
    main()
