"""The course's data sets, read from disk and checked against their sha256.

Everything comes from the repository's ``data/`` folder, never from the network:

- ``mnist.npz``: MNIST, 60,000 training and 10,000 test images of handwritten digits;
- ``binary.npz``: 1,000 points in the plane in two classes (two noisy half-moons) for the
  binary classifiers, split 500 / 250 / 250 into training, validation and test rows;
- ``digits89/``: an image folder of handwritten 8s and 9s (``train/`` and ``val/``, one
  sub-folder per class) for fine-tuning, read with ``dlcourse.images.load_image_folder``;
- ``backbone_digits0to7.pt``: the state_dict of a small ResNet the course pretrained on
  the digits 0-7 (``BACKBONE_CONFIG`` says how to build it).

``data/README.md`` says where the files come from and how they are built. A student's
copy of the course (the bundle that ``pip install .`` installs this library from) ships
them inside the package instead, in ``data_files/``, so that they are found wherever the
library is installed. Set the environment variable ``DLCOURSE_DATA_DIR`` to read them
from another folder.

Each file is read and its checksum verified once per process; every call then hands
out fresh copies, so changing a returned array in place does not affect later calls.
A missing or damaged file raises ``DataError``, whose message says how to rebuild it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import shlex
import sys
from pathlib import Path

import numpy as np

PACKAGED_DATA = "data_files"
"""The folder inside this package that holds the data files in a student's installed copy."""

_PACKAGE_DIR = Path(__file__).resolve().parent

DATA_DIR: Path = (_PACKAGE_DIR / PACKAGED_DATA if (_PACKAGE_DIR / PACKAGED_DATA).is_dir()
                  else _PACKAGE_DIR.parent / "data")
"""Where the data files are: the repository's data folder, beside this package, where the
scripts that build them live too; in a student's installed copy, ``data_files/`` inside it."""

DATA_DIR_VARIABLE = "DLCOURSE_DATA_DIR"
"""The environment variable that, when set, names the folder to read the files from."""

MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
"""sha256 of ``mnist.npz``, as written by ``data/build_mnist.py``."""

BINARY_SHA256 = "6e377bd3aa548de2a036e9dc60e05daa087731003379f9faa4e6fc4063db668b"
"""sha256 of ``binary.npz``, as written by ``data/build_binary.py``."""

DIGITS89_SHA256 = "36de3bbb3e43fe2aece30fc64b8d0764f1212a2020fc7c1da285a32d8cbc5d53"
"""sha256 of the listing of ``digits89/`` (see `folder_sha256`), as written by
``data/build_digits89.py``."""

BACKBONE_SHA256 = "b90fc658a8b4f8293126e743ab7f8993a21d262242724aee2a5df8d1c235068d"
"""sha256 of ``backbone_digits0to7.pt``, as written by ``data/build_backbone.py``."""

# file name -> (expected sha256, script in DATA_DIR that rebuilds it)
_FILES = {
    "mnist.npz": (MNIST_SHA256, "build_mnist.py"),
    "binary.npz": (BINARY_SHA256, "build_binary.py"),
    "digits89": (DIGITS89_SHA256, "build_digits89.py"),
    "backbone_digits0to7.pt": (BACKBONE_SHA256, "build_backbone.py"),
}

DATA_FILES = tuple(_FILES)
"""The names of the data files and folders in DATA_DIR that the loaders read."""

BACKBONE_CONFIG = {"blocks": (1, 1, 1, 1), "width": 16, "num_classes": 8, "in_channels": 1,
                   "small_input": False}
"""The keyword arguments of hw6's ``ResNet`` that build the network of
``backbone_digits0to7.pt``: one BasicBlock per stage, widths 16/32/64/128, grey inputs,
8 classes (the digits 0-7), torchvision's stem (7 x 7 convolution, stride 2, max-pool)."""

BACKBONE_MEAN = (0.1293,)
BACKBONE_STD = (0.3070,)
"""The backbone's input normalisation, (pixel / 255 - mean) / std: the mean and standard
deviation of the pixels of MNIST's training digits 0-7, which it was trained on."""

BINARY_SPLITS = {"train": slice(0, 500), "val": slice(500, 750), "test": slice(750, 1000)}
"""Rows of ``binary.npz`` that make up each split."""


# What a pickle of numpy arrays refers to: numpy 1 wrote numpy.core, numpy 2 writes
# numpy._core, and protocol 2 stores bytes through _codecs.encode.
_ARRAY_PICKLE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class ArrayUnpickler(pickle.Unpickler):
    """An unpickler that builds numpy arrays, lists, dicts and strings, and nothing else.

    For data sets distributed as pickles (MNIST's mnist.pkl.gz, the CIFAR-10 batches):
    a pickle can run any code it names, so every other global is refused.
    """

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in _ARRAY_PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the pickle")
        return super().find_class(module, name)


class DataError(RuntimeError):
    """A data file is missing or is not the file the course expects."""


def data_dir() -> Path:
    """The folder the data files are read from: ``$DLCOURSE_DATA_DIR`` if set, else DATA_DIR."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    return Path(override) if override else DATA_DIR


def rebuild_command(name: str, path: Path | None = None) -> str:
    """The shell command that writes the data file ``name`` again.

    Args:
        name: ``"mnist.npz"`` or ``"binary.npz"``.
        path: where the file should go; None means DATA_DIR, the scripts' default.

    Returns:
        a command that works from any directory, with the running Python.
    """
    words = [sys.executable, str(DATA_DIR / _FILES[name][1])]
    if path is not None and path.resolve() != (DATA_DIR / name).resolve():
        words += ["--out", str(path)]
    return shlex.join(words)


def _how_to_restore(name: str, path: Path) -> str:
    """What a DataError about data file ``name`` at ``path`` tells the reader to do: run
    the script that rebuilds it, or, where the scripts are not shipped (a student's
    installed copy), install the library again."""
    if (DATA_DIR / _FILES[name][1]).exists():
        return f"Rebuild it with:\n    {rebuild_command(name, path)}"
    return ("Install the course library again to restore it: in the course folder, run\n"
            "    pip install --force-reinstall --no-deps .")


def clear_cache() -> None:
    """Forget the files read so far, so that the next load reads and checks them again."""
    _read_verified.cache_clear()
    _verified_path.cache_clear()


@functools.cache
def _read_verified(path: Path) -> dict[str, np.ndarray]:
    """Read an .npz data file after checking its sha256; cached per path.

    Raises:
        DataError: the file is missing, unreadable or has the wrong checksum.
    """
    expected, _ = _FILES[path.name]
    fix = _how_to_restore(path.name, path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"data file {path} is missing. {fix}") from None
    except OSError as error:
        raise DataError(f"data file {path} cannot be read ({error}). {fix}") from None
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected:
        raise DataError(
            f"data file {path} has the wrong checksum: sha256 {actual}, expected "
            f"{expected}. The file is damaged or out of date. {fix}"
        )
    with np.load(io.BytesIO(content), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    for array in arrays.values():
        array.setflags(write=False)  # the cached copy; callers get writable copies
    return arrays


def _load(name: str) -> dict[str, np.ndarray]:
    """The arrays of data file ``name`` in the current data folder, read-only."""
    return _read_verified((data_dir() / name).absolute())


def load_mnist(
    *, flatten: bool = False, normalize: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST: the standard 60,000 training and 10,000 test images with their labels.

    Args:
        flatten: give each image as a row of 784 = 28 * 28 pixels instead of a 28 x 28
            array.
        normalize: give pixels as float32 in [0, 1] (value / 255) instead of uint8 in
            0..255.

    Returns:
        x_train: shape (60000, 28, 28), or (60000, 784) with flatten; uint8, or float32
            with normalize.
        y_train: digits 0..9, shape (60000,), uint8.
        x_test: shape (10000, 28, 28) or (10000, 784), dtype as x_train.
        y_test: digits 0..9, shape (10000,), uint8.

    Raises:
        DataError: mnist.npz is missing or not the expected file.
    """
    arrays = _load("mnist.npz")
    x_train, x_test = arrays["x_train"], arrays["x_test"]
    if flatten:
        x_train = x_train.reshape(len(x_train), -1)
        x_test = x_test.reshape(len(x_test), -1)
    if normalize:
        x_train = x_train.astype(np.float32) / np.float32(255)
        x_test = x_test.astype(np.float32) / np.float32(255)
    else:
        x_train, x_test = x_train.copy(), x_test.copy()
    return x_train, arrays["y_train"].copy(), x_test, arrays["y_test"].copy()


def load_binary() -> dict[str, np.ndarray]:
    """The two-class data set in the plane, split into training, validation and test rows.

    Each split holds both classes in equal numbers. A linear classifier gets about 85 %
    of it right; a network with one hidden layer can get over 95 %.

    Returns:
        {'X_train': (500, 2), 'y_train': (500,), 'X_val': (250, 2), 'y_val': (250,),
        'X_test': (250, 2), 'y_test': (250,)}; X float64, y int64 in {0, 1}.

    Raises:
        DataError: binary.npz is missing or not the expected file.
    """
    arrays = _load("binary.npz")
    splits = {}
    for split, rows in BINARY_SPLITS.items():
        splits[f"X_{split}"] = arrays["X"][rows].copy()
        splits[f"y_{split}"] = arrays["y"][rows].copy()
    return splits


def folder_sha256(folder: Path) -> str:
    """The sha256 of a folder's listing, which changes when any file in it changes.

    The listing has one line ``<sha256 of the file>  <path relative to folder>`` per
    file, sorted by path (what ``LC_ALL=C sort`` gives), as ``sha256sum`` prints it.
    """
    lines = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(folder).as_posix()}\n"
        for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix())
        if path.is_file()
    ]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


@functools.cache
def _verified_path(path: Path) -> Path:
    """A data file or folder, after checking its sha256; cached per path.

    Raises:
        DataError: it is missing, unreadable or has the wrong checksum.
    """
    expected, _ = _FILES[path.name]
    fix = _how_to_restore(path.name, path)
    kind = "file" if path.suffix else "folder"
    if not path.exists():
        raise DataError(f"data {kind} {path} is missing. {fix}")
    try:
        if path.is_dir():
            actual = folder_sha256(path)
        else:
            actual = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise DataError(f"data {kind} {path} cannot be read ({error}). {fix}") from None
    if actual != expected:
        raise DataError(
            f"data {kind} {path} has the wrong checksum: sha256 {actual}, expected {expected}. "
            f"It is damaged or out of date. {fix}"
        )
    return path


def digits89_dir() -> Path:
    """The image folder of handwritten 8s and 9s, after checking its checksum.

    ``train/`` holds 20 images per class and ``val/`` 100, each under ``eight/`` and
    ``nine/`` as 28 x 28 grey PNGs taken from MNIST's test set (``data/README.md``).
    Read it with ``dlcourse.images.load_image_folder(digits89_dir() / "train")``.

    Raises:
        DataError: the folder is missing or not the expected one.
    """
    return _verified_path((data_dir() / "digits89").absolute())


def load_backbone_digits0to7() -> dict:
    """The state_dict of the course's small ResNet, pretrained on MNIST's digits 0-7.

    Build the network with hw6's ``ResNet(**BACKBONE_CONFIG)``; it expects grey 28 x 28
    images normalised with BACKBONE_MEAN and BACKBONE_STD. Every call reads a fresh copy.

    Returns:
        parameter and buffer name -> torch.Tensor, with torchvision's ResNet names
        (``conv1.weight``, ``layer1.0.bn1.running_mean``, ..., ``fc.bias``).

    Raises:
        DataError: backbone_digits0to7.pt is missing or not the expected file.
    """
    import torch  # only this loader needs PyTorch

    path = _verified_path((data_dir() / "backbone_digits0to7.pt").absolute())
    return torch.load(path, map_location="cpu", weights_only=True)
