"""Rebuild data/digits89/: a small image folder of handwritten 8s and 9s for fine-tuning.

The images are MNIST test digits (``dlcourse.data.load_mnist``), which the course's
pretrained backbone never saw: it was trained on MNIST's training digits 0-7 only. In
the order of MNIST's test set, the first 20 eights and the first 20 nines make the
training split, the next 100 of each the validation split:

    digits89/train/eight/<index>.png   20 images    digits89/val/eight/<index>.png   100
    digits89/train/nine/<index>.png    20 images    digits89/val/nine/<index>.png    100

where <index> is the image's position in MNIST's test set (five digits), so that every
file can be traced back. Each file is a 28 x 28 grey PNG (mode "L", 8 bits), written
without compression so that its bytes depend on Pillow's PNG writer only, not on the
zlib it was built with. Run from the repository root:

    .venv/bin/python data/build_digits89.py                 # writes data/digits89/
    .venv/bin/python data/build_digits89.py --out /tmp/d89
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from dlcourse.data import DIGITS89_SHA256, folder_sha256, load_mnist

DEFAULT_OUT = Path(__file__).resolve().parent / "digits89"
CLASSES = {"eight": 8, "nine": 9}
NUM_TRAIN = 20  # images per class
NUM_VAL = 100  # images per class


def split_indices(y_test: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Which MNIST test images go where: split -> class name -> indices into the test set."""
    splits: dict[str, dict[str, np.ndarray]] = {"train": {}, "val": {}}
    for name, digit in CLASSES.items():
        indices = np.flatnonzero(y_test == digit)
        splits["train"][name] = indices[:NUM_TRAIN]
        splits["val"][name] = indices[NUM_TRAIN:NUM_TRAIN + NUM_VAL]
    return splits


def write_png(image: np.ndarray, path: Path) -> None:
    """A 28 x 28 uint8 image as an uncompressed 8-bit grey PNG without metadata."""
    Image.fromarray(image).save(path, format="PNG", compress_level=0)


def build(out: Path) -> str:
    """Writes the folder (replacing what is there) and returns its sha256."""
    _, _, x_test, y_test = load_mnist()
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        staging = Path(tmp) / out.name
        for split, classes in split_indices(y_test).items():
            for name, indices in classes.items():
                folder = staging / split / name
                folder.mkdir(parents=True)
                for index in indices:
                    write_png(x_test[index], folder / f"{index:05d}.png")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    return folder_sha256(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write")
    args = parser.parse_args()
    out = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = build(out)
    print(f"wrote {out}: {NUM_TRAIN} training and {NUM_VAL} validation images per class")
    print(f"sha256 of its listing: {digest}")
    if digest != DIGITS89_SHA256:
        print(f"this differs from dlcourse.data.DIGITS89_SHA256 ({DIGITS89_SHA256})")


if __name__ == "__main__":
    main()
