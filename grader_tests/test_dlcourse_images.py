"""dlcourse.images (image folders, CIFAR-10 batches) and the image data the course ships.

The CIFAR-10 loader is tested on small batches that the tests write in the format of the
official "CIFAR-10 python version": Python 2 pickles (protocol 2) of dicts whose keys and
strings are Python 2 ``str``, holding b'data', a (N, 3072) uint8 array, and b'labels', a
list of ints.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dlcourse import data, images

REPO = Path(__file__).resolve().parents[1]


# --- image folders -------------------------------------------------------------------------


def _write_png(path: Path, pixels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def test_load_image_folder_reads_classes_in_name_order(tmp_path):
    rng = np.random.default_rng(0)
    pixels = {name: [rng.integers(0, 256, (4, 3), dtype=np.uint8) for _ in range(count)]
              for name, count in (("zebra", 2), ("ant", 3))}
    for name, arrays in pixels.items():
        for i, array in enumerate(arrays):
            _write_png(tmp_path / name / f"{9 - i}.png", array)  # file names in reverse order
    (tmp_path / "ant" / "notes.txt").write_text("not an image")
    _write_png(tmp_path / ".ipynb_checkpoints" / "0.png", pixels["ant"][0])

    x, y, classes = images.load_image_folder(tmp_path)

    assert classes == ["ant", "zebra"]
    assert (x.dtype, tuple(x.shape)) == (torch.float32, (5, 1, 4, 3))
    assert (y.dtype, y.tolist()) == (torch.int64, [0, 0, 0, 1, 1])
    # Within a class, files are read in name order: 7.png, 8.png, 9.png.
    expected = [*pixels["ant"][::-1], *pixels["zebra"][::-1]]
    np.testing.assert_allclose(x[:, 0].numpy(), np.stack(expected) / 255, rtol=1e-6)


def test_load_image_folder_rgb_and_resizing(tmp_path):
    rng = np.random.default_rng(1)
    colour = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    _write_png(tmp_path / "a" / "0.png", colour)
    _write_png(tmp_path / "b" / "0.png", rng.integers(0, 256, (10, 20), dtype=np.uint8))

    x, _, classes = images.load_image_folder(tmp_path, mode="RGB", size=4)
    assert tuple(x.shape) == (2, 3, 4, 4) and classes == ["a", "b"]
    # A grey image read as RGB has three equal channels.
    assert torch.equal(x[1, 0], x[1, 1]) and torch.equal(x[1, 1], x[1, 2])

    single = tmp_path / "single"
    _write_png(single / "a" / "0.png", colour)
    x, _, _ = images.load_image_folder(single, mode="RGB")
    np.testing.assert_allclose(x[0].numpy(), colour.transpose(2, 0, 1) / 255, rtol=1e-6)


def test_load_image_folder_resizes_the_shorter_side_and_crops_the_centre(tmp_path):
    wide = np.zeros((10, 30), dtype=np.uint8)
    wide[:, 10:20] = 255  # a white band, the middle third
    _write_png(tmp_path / "a" / "0.png", wide)
    x, _, _ = images.load_image_folder(tmp_path, size=5)
    # 30 x 10 becomes 15 x 5, whose central 5 x 5 square is the band.
    assert tuple(x.shape) == (1, 1, 5, 5)
    assert x[0, 0, :, 1:4].min() > 0.99 and x[0, 0].min() > 0.8


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        (None, "does not exist"),
        ({}, "no class folders"),
        ({"a": []}, "holds no"),
        ({"a": [(4, 4)], "b": [(5, 4)]}, "different sizes"),
    ],
)
def test_load_image_folder_errors_say_what_is_wrong(tmp_path, layout, message):
    root = tmp_path / "root"
    if layout is not None:
        root.mkdir()
        for name, shapes in layout.items():
            (root / name).mkdir()
            for i, shape in enumerate(shapes):
                _write_png(root / name / f"{i}.png", np.zeros(shape, dtype=np.uint8))
    with pytest.raises(data.DataError, match=message):
        images.load_image_folder(root)


def test_load_image_folder_rejects_an_unknown_mode(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        images.load_image_folder(tmp_path, mode="CMYK")


# --- CIFAR-10 ------------------------------------------------------------------------------


class _Python2Pickler(pickle._Pickler):
    """Writes str and bytes as Python 2 ``str`` (BINSTRING), as the CIFAR-10 files hold them."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_py2_str(self, obj):
        raw = obj if isinstance(obj, bytes) else obj.encode("latin-1")
        if len(raw) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[str] = _save_py2_str
    dispatch[bytes] = _save_py2_str


def _cifar_batch(rows: np.ndarray, labels: list[int], label: str) -> bytes:
    """A batch file as the official archive has it (written by numpy 1 under Python 2)."""
    batch = {"batch_label": label, "labels": labels, "data": rows,
             "filenames": [f"image_{i}.png" for i in range(len(labels))]}
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(batch)
    # numpy 1 named its module numpy.core; numpy 2 writes numpy._core.
    return buffer.getvalue().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")


@pytest.fixture
def cifar_dir(tmp_path) -> tuple[Path, dict[str, tuple[np.ndarray, list[int]]]]:
    """Five training batches of 3 images and a test batch of 2, in the official format."""
    rng = np.random.default_rng(2)
    written = {}
    for number, name in enumerate(images.CIFAR10_FILES):
        count = 2 if name == images.CIFAR10_TEST_FILE else 3
        rows = rng.integers(0, 256, (count, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, count)]
        (tmp_path / name).write_bytes(_cifar_batch(rows, labels, f"batch {number}"))
        written[name] = (rows, labels)
    return tmp_path, written


def test_cifar_fixture_is_in_the_python2_format(cifar_dir):
    directory, _ = cifar_dir
    content = (directory / "test_batch").read_bytes()
    assert content[:2] == b"\x80\x02"  # protocol 2
    assert b"cnumpy.core.multiarray\n_reconstruct\n" in content
    assert b"_codecs" not in content  # no Python 3 bytes objects
    loaded = pickle.loads(content, encoding="bytes")
    assert set(loaded) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert loaded[b"data"].dtype == np.uint8 and loaded[b"data"].shape == (2, 3072)


def test_load_cifar10_reads_the_batches_in_order(cifar_dir):
    directory, written = cifar_dir
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DeprecationWarning for numpy.core
        x_train, y_train, x_test, y_test = images.load_cifar10(directory)
    assert (x_train.dtype, tuple(x_train.shape)) == (torch.uint8, (15, 3, 32, 32))
    assert (y_train.dtype, tuple(y_train.shape)) == (torch.int64, (15,))
    assert tuple(x_test.shape) == (2, 3, 32, 32) and tuple(y_test.shape) == (2,)
    train_rows = np.concatenate([written[name][0] for name in images.CIFAR10_TRAIN_FILES])
    train_labels = [label for name in images.CIFAR10_TRAIN_FILES for label in written[name][1]]
    assert y_train.tolist() == train_labels
    assert y_test.tolist() == written["test_batch"][1]
    # Row layout: 1024 red values, then 1024 green, then 1024 blue, each 32 x 32 row by row.
    rows = written["test_batch"][0]
    for channel, i, j in [(0, 0, 0), (0, 0, 31), (1, 3, 7), (2, 31, 31)]:
        assert x_test[1, channel, i, j] == rows[1, channel * 1024 + i * 32 + j]
    np.testing.assert_array_equal(x_train.numpy().reshape(15, 3072), train_rows)


def test_load_cifar10_accepts_batches_pickled_by_python3(cifar_dir):
    directory, written = cifar_dir
    rows, labels = written["test_batch"]
    batch = {b"batch_label": b"testing batch 1 of 1", b"labels": labels, b"data": rows}
    (directory / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    _, _, x_test, y_test = images.load_cifar10(directory)
    np.testing.assert_array_equal(x_test.numpy().reshape(2, 3072), rows)
    assert y_test.tolist() == labels


def test_load_cifar10_without_the_files_says_where_to_get_them(tmp_path):
    (tmp_path / "data_batch_1").write_bytes(b"")
    with pytest.raises(data.DataError) as info:
        images.load_cifar10(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message
    assert "data_batch_2" in message and "test_batch" in message
    assert "data_batch_1," not in message  # present, so not listed as missing
    assert "https://www.cs.toronto.edu/~kriz/cifar.html" in message


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({"labels": [1]}, "no 'data'"),
        ({"data": np.zeros((2, 3071), np.uint8), "labels": [1, 2]}, "3072"),
        ({"data": np.zeros((2, 3072), np.float32), "labels": [1, 2]}, "uint8"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [1]}, "one class"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [1, 10]}, "one class"),
        ([1, 2, 3], "no dict"),
    ],
)
def test_load_cifar10_rejects_malformed_batches(cifar_dir, batch, message):
    directory, _ = cifar_dir
    (directory / "data_batch_3").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(data.DataError, match=message):
        images.load_cifar10(directory)


class _RunsCode:
    """A pickle payload that would call a function when unpickled."""

    def __reduce__(self):
        return (os.getcwd, ())


def test_load_cifar10_unpickles_arrays_and_nothing_else(cifar_dir):
    directory, _ = cifar_dir
    (directory / "test_batch").write_bytes(
        pickle.dumps({"data": _RunsCode(), "labels": []}, protocol=2))
    with pytest.raises(data.DataError, match="refusing to load"):
        images.load_cifar10(directory)


# --- MNIST in CIFAR's shape ----------------------------------------------------------------


def test_gray_to_rgb32_centres_the_digit_on_three_equal_channels():
    digits = np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28).astype(np.uint8)
    out = images.gray_to_rgb32(digits)
    assert (out.dtype, tuple(out.shape)) == (torch.uint8, (2, 3, 32, 32))
    for channel in range(3):
        assert torch.equal(out[:, channel, 2:30, 2:30], torch.from_numpy(digits))
    border = out.clone()
    border[:, :, 2:30, 2:30] = 0
    assert not border.any()
    odd = images.gray_to_rgb32(torch.ones(1, 31, 30))
    assert odd.dtype == torch.float32 and odd[0, 0].sum() == 31 * 30
    with pytest.raises(ValueError, match="32"):
        images.gray_to_rgb32(np.zeros((1, 33, 28)))


# --- the shipped image data: digits89/ and backbone_digits0to7.pt ------------------------------


def test_digits89_holds_mnist_test_digits_named_by_their_index(fresh_cache):
    root = data.digits89_dir()
    _, _, x_test, y_test = data.load_mnist()
    counts = {"train": 20, "val": 100}
    for split, count in counts.items():
        x, y, classes = images.load_image_folder(root / split)
        assert classes == ["eight", "nine"]
        assert tuple(x.shape) == (2 * count, 1, 28, 28)
        assert torch.bincount(y).tolist() == [count, count]
        for name, digit in (("eight", 8), ("nine", 9)):
            for path in sorted((root / split / name).iterdir()):
                index = int(path.stem)
                assert y_test[index] == digit
                np.testing.assert_array_equal(np.asarray(Image.open(path)), x_test[index])
    train = {p.name for p in (root / "train").rglob("*.png")}
    val = {p.name for p in (root / "val").rglob("*.png")}
    assert not train & val


def test_build_digits89_reproduces_the_shipped_folder_byte_for_byte(tmp_path):
    out = tmp_path / "digits89"
    subprocess.run([sys.executable, str(REPO / "data" / "build_digits89.py"), "--out", str(out)],
                   check=True, capture_output=True)
    shipped = REPO / "data" / "digits89"
    files = sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    for name in files:
        assert (out / name).read_bytes() == (shipped / name).read_bytes(), name
    assert data.folder_sha256(out) == data.DIGITS89_SHA256


def test_folder_sha256_is_that_of_the_sha256sum_listing(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.png").write_bytes(b"one")
    (tmp_path / "a.png").write_bytes(b"two")
    listing = "".join(f"{hashlib.sha256(content).hexdigest()}  {name}\n"
                      for name, content in (("a.png", b"two"), ("b/x.png", b"one")))
    assert data.folder_sha256(tmp_path) == hashlib.sha256(listing.encode()).hexdigest()


def test_backbone_fits_the_notebook_resnet_and_recognises_digits(fresh_cache, data_script):
    """The shipped state_dict loads strictly into hw6's ResNet(**BACKBONE_CONFIG)."""
    state = data.load_backbone_digits0to7()
    resnet = data_script("build_backbone").resnet_class()
    model = resnet(**data.BACKBONE_CONFIG)
    model.load_state_dict(state)  # strict: same keys and shapes
    assert tuple(state["conv1.weight"].shape) == (16, 1, 7, 7)
    assert tuple(state["fc.weight"].shape) == (8, 128)
    assert "layer2.0.downsample.0.weight" in state and "layer1.0.downsample.0.weight" not in state
    _, _, x_test, y_test = data.load_mnist()
    keep = y_test < 8
    x = torch.from_numpy(x_test[keep][:500]).float()[:, None] / 255
    x = (x - data.BACKBONE_MEAN[0]) / data.BACKBONE_STD[0]
    model.eval()
    with torch.no_grad():
        predicted = model(x).argmax(1)
    assert (predicted == torch.from_numpy(y_test[keep][:500]).long()).float().mean() > 0.97


@pytest.mark.parametrize(
    ("name", "load", "script"),
    [
        ("digits89", data.digits89_dir, "build_digits89.py"),
        ("backbone_digits0to7.pt", data.load_backbone_digits0to7, "build_backbone.py"),
    ],
)
def test_missing_or_changed_image_data_raise_data_error(tmp_path, monkeypatch, fresh_cache,
                                                        name, load, script):
    monkeypatch.setenv(data.DATA_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(data.DataError, match="missing") as info:
        load()
    assert f"{script} --out {tmp_path / name}" in str(info.value)

    shipped = REPO / "data" / name
    if shipped.is_dir():
        shutil.copytree(shipped, tmp_path / name)
        victim = next((tmp_path / name).rglob("*.png"))
    else:
        shutil.copy(shipped, tmp_path / name)
        victim = tmp_path / name
    content = bytearray(victim.read_bytes())
    content[len(content) // 2] ^= 0xFF
    victim.write_bytes(bytes(content))
    data.clear_cache()
    with pytest.raises(data.DataError, match="wrong checksum") as info:
        load()
    assert f"{script} --out {tmp_path / name}" in str(info.value)
