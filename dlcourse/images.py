"""Images read from disk into tensors: an image folder, and the CIFAR-10 python batches.

- `load_image_folder` reads a folder laid out as torchvision's ``ImageFolder`` expects it,
  ``root/<class>/*.png``, with the classes in the order of their names;
- `load_cifar10` reads the "CIFAR-10 python version" batches (``data_batch_1`` ..
  ``data_batch_5`` and ``test_batch``), for those who have them: nothing is downloaded;
- `gray_to_rgb32` puts MNIST digits in CIFAR-10's shape, three channels of 32 x 32.

Nothing happens on import. A folder or a file that is missing or not in the expected
format raises `dlcourse.data.DataError` with a message that says what was expected.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from dlcourse.data import ArrayUnpickler, DataError

__all__ = [
    "CIFAR10_CLASSES",
    "CIFAR10_FILES",
    "IMAGE_SUFFIXES",
    "gray_to_rgb32",
    "load_cifar10",
    "load_image_folder",
]

IMAGE_SUFFIXES = (".png",)
"""File name endings that `load_image_folder` reads; other files are ignored."""

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
"""CIFAR-10's class names, in the order of its labels 0..9."""

CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_FILE = "test_batch"
CIFAR10_FILES = (*CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE)
"""The batch files of the CIFAR-10 python version, as its archive unpacks them."""

CIFAR10_SOURCE = (
    'the "CIFAR-10 python version" from https://www.cs.toronto.edu/~kriz/cifar.html '
    "(cifar-10-python.tar.gz), unpacked"
)


def _read_image(path: Path, mode: str, size: int | None) -> np.ndarray:
    """One image as uint8 of shape (H, W) for mode "L", (H, W, 3) for "RGB"."""
    try:
        with Image.open(path) as image:
            image = image.convert(mode)
    except OSError as error:
        raise DataError(f"cannot read image {path}: {error}") from None
    if size is not None:
        # Shorter side to `size`, then the central size x size square (torchvision's
        # Resize(size) followed by CenterCrop(size)).
        width, height = image.size
        scale = size / min(width, height)
        new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
        image = image.resize((new_w, new_h), Image.Resampling.BILINEAR)
        left, top = (new_w - size) // 2, (new_h - size) // 2
        image = image.crop((left, top, left + size, top + size))
    return np.asarray(image, dtype=np.uint8)


def load_image_folder(
    root: str | Path, *, mode: str = "L", size: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """All images of a folder laid out as ``root/<class name>/<image>.png``.

    The classes are the sub-folders of `root`, sorted by name; class i gets label i.
    Within a class the images are taken in the order of their file names. Folders and
    files whose names start with a dot (``.ipynb_checkpoints``) are skipped.

    Args:
        root: the folder, e.g. ``data/digits89/train``.
        mode: ``"L"`` for one grey channel, ``"RGB"`` for three channels.
        size: None keeps the images as they are (they must all have one size); an int
            resizes the shorter side to `size` and keeps the central size x size square.

    Returns:
        images: float32, shape (N, C, H, W), values in [0, 1] (pixel / 255).
        labels: int64, shape (N,), values 0 .. len(classes) - 1.
        classes: the class names, sorted.

    Raises:
        DataError: `root` is not a folder, has no class folders, a class folder has no
            image, an image cannot be read, or the images differ in size.
    """
    if mode not in ("L", "RGB"):
        raise ValueError(f'mode must be "L" or "RGB", not {mode!r}')
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist (expected {root}/<class>/*.png)")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(f"image folder {root} has no class folders (expected {root}/<class>/*.png)")
    images, labels = [], []
    for label, name in enumerate(classes):
        files = sorted(
            p for p in (root / name).iterdir()
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
        )
        if not files:
            raise DataError(f"class folder {root / name} holds no {'/'.join(IMAGE_SUFFIXES)} image")
        for path in files:
            images.append(_read_image(path, mode, size))
            labels.append(label)
    shapes = sorted({image.shape[:2] for image in images})
    if len(shapes) > 1:
        raise DataError(
            f"the images in {root} have {len(shapes)} different sizes (H, W), e.g. "
            f"{shapes[0]} and {shapes[-1]}: pass size=... to resize them"
        )
    array = np.stack(images)  # (N, H, W) for "L", (N, H, W, C) for "RGB"
    array = array[:, None] if array.ndim == 3 else array.transpose(0, 3, 1, 2)
    tensor = torch.from_numpy(np.ascontiguousarray(array)).float().div_(255)
    return tensor, torch.tensor(labels, dtype=torch.int64), classes


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file: images uint8 (N, 3, 32, 32) and labels int64 (N,)."""
    try:
        with path.open("rb") as file:
            batch = ArrayUnpickler(file, encoding="bytes").load()
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError) as error:
        raise DataError(f"cannot read the CIFAR-10 batch {path}: {error}") from None
    if not isinstance(batch, dict):
        raise DataError(f"{path} is not a CIFAR-10 batch: it holds no dict")
    batch = {key.decode() if isinstance(key, bytes) else key: value for key, value in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise DataError(f"{path} is not a CIFAR-10 batch: it has no 'data' or no 'labels'")
    data, labels = batch["data"], np.asarray(batch["labels"])
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != 3 * 32 * 32:
        raise DataError(f"{path}: 'data' must be a uint8 array of shape (N, 3072)")
    if labels.shape != (len(data),) or not np.issubdtype(labels.dtype, np.integer) \
            or (len(labels) and not 0 <= labels.min() <= labels.max() <= 9):
        raise DataError(f"{path}: 'labels' must hold one class 0..9 per row of 'data'")
    # Each row holds the red, then the green, then the blue 32 x 32 plane, row by row.
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def load_cifar10(
    directory: str | Path,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """CIFAR-10 from its python batches: 50,000 training and 10,000 test images.

    Args:
        directory: the folder holding ``data_batch_1`` .. ``data_batch_5`` and
            ``test_batch`` (``cifar-10-batches-py`` in the official archive).

    Returns:
        x_train: uint8, shape (N_train, 3, 32, 32), channels in the order R, G, B.
        y_train: int64, shape (N_train,), classes 0..9 (names in CIFAR10_CLASSES).
        x_test: uint8, shape (N_test, 3, 32, 32).
        y_test: int64, shape (N_test,).

    Raises:
        DataError: a batch file is missing, or is not a CIFAR-10 batch. The files are
            read through an unpickler that builds arrays and nothing else.
    """
    directory = Path(directory)
    missing = [name for name in CIFAR10_FILES if not (directory / name).is_file()]
    if missing:
        raise DataError(
            f"CIFAR-10 is not in {directory}: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing. The course does not ship "
            f"CIFAR-10; to use it, put there {CIFAR10_SOURCE} (its folder "
            "cifar-10-batches-py holds data_batch_1 .. data_batch_5 and test_batch)."
        )
    train = [_read_cifar_batch(directory / name) for name in CIFAR10_TRAIN_FILES]
    x_test, y_test = _read_cifar_batch(directory / CIFAR10_TEST_FILE)
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return (
        torch.from_numpy(x_train),
        torch.from_numpy(y_train),
        torch.from_numpy(np.ascontiguousarray(x_test)),
        torch.from_numpy(y_test),
    )


def gray_to_rgb32(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Grey images in CIFAR-10's shape: centred on a 32 x 32 zero background, three channels.

    Args:
        images: shape (N, H, W) with H, W <= 32, e.g. MNIST's uint8 (N, 28, 28).

    Returns:
        shape (N, 3, 32, 32), the dtype of `images`; the three channels are equal.
    """
    x = torch.as_tensor(images)
    if x.ndim != 3 or x.shape[1] > 32 or x.shape[2] > 32:
        raise ValueError(
            f"expected images of shape (N, H, W) with H, W <= 32, got {tuple(x.shape)}"
        )
    height, width = x.shape[1:]
    top, left = (32 - height) // 2, (32 - width) // 2
    out = torch.zeros((x.shape[0], 3, 32, 32), dtype=x.dtype)
    out[:, :, top:top + height, left:left + width] = x[:, None]
    return out
