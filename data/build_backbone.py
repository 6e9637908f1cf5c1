"""Rebuild data/backbone_digits0to7.pt: a small ResNet pretrained on MNIST's digits 0-7.

hw6_vgg_transfer fine-tunes it to tell 8s from 9s, in place of the ImageNet weights of
torchvision's resnet34 that the seed uses: the digits 0-7 play ImageNet's role. The
network is hw6's own ``ResNet`` class, taken from the reference solution in
``source/hw6_vgg_transfer`` (students write that class, so it is not in ``dlcourse``),
built as ``ResNet(**dlcourse.data.BACKBONE_CONFIG)``: torchvision's stem and parameter
names, one BasicBlock per stage, widths 16/32/64/128, one input channel, 8 classes.

Training, fixed by seed 0: the 48,200 training digits 0-7 of MNIST
(``dlcourse.data.load_mnist``), normalised with ``BACKBONE_MEAN`` and ``BACKBONE_STD``
(the script checks that they are these digits' mean and standard deviation); 3 epochs of
batches of 128 in a random order; each batch shifted by up to 2 pixels across and down
(one shift per batch, the border filled with background), which makes the features less
tied to where a digit sits; SGD with momentum 0.9 and weight decay 5e-4, the learning
rate following a one-cycle schedule that peaks at 0.1. The script prints the accuracy on
MNIST's test digits 0-7 and writes the state_dict with ``torch.save``.

It runs on one thread with PyTorch's deterministic algorithms, in about three minutes.
The same machine and library versions give the same file; another CPU or another
PyTorch may round differently and give other bytes (the script then says so: take the
shipped file from git). Run from the repository root:

    .venv/bin/python data/build_backbone.py            # writes data/backbone_digits0to7.pt
    .venv/bin/python data/build_backbone.py --out x.pt
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dlcourse.data import BACKBONE_CONFIG, BACKBONE_MEAN, BACKBONE_SHA256, BACKBONE_STD, load_mnist
from dlgrader import notebooks

DEFAULT_OUT = Path(__file__).resolve().parent / "backbone_digits0to7.pt"
ASSIGNMENT = "hw6_vgg_transfer"
CELLS = ("setup", "BasicBlock", "ResNet")  # grade_ids of the cells that define ResNet
NUM_DIGITS = 8  # the digits 0..7
SEED = 0
EPOCHS = 3
BATCH_SIZE = 128
MAX_LR = 0.1
MAX_SHIFT = 2  # pixels


def resnet_class() -> type[nn.Module]:
    """hw6's ResNet class, from the reference solution of the source notebook."""
    nb = notebooks.read(notebooks.notebook_path(ASSIGNMENT))
    namespace: dict[str, object] = {"__name__": f"{ASSIGNMENT}_reference"}
    by_id = notebooks.cells_by_id(nb)
    for grade_id in CELLS:
        code = notebooks.without_markers(by_id[grade_id].source)
        exec(compile(code, f"<{ASSIGNMENT}:{grade_id}>", "exec"), namespace)
    return namespace["ResNet"]  # type: ignore[return-value]


def digits(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """The digits 0-7 of uint8 images (N, 28, 28), normalised, as (M, 1, 28, 28) and (M,)."""
    keep = labels < NUM_DIGITS
    x = torch.from_numpy(images[keep]).float().div(255).unsqueeze(1)
    return (x - BACKBONE_MEAN[0]) / BACKBONE_STD[0], torch.from_numpy(labels[keep]).long()


def check_normalisation(images: np.ndarray, labels: np.ndarray) -> None:
    """BACKBONE_MEAN and BACKBONE_STD are the training digits' pixel mean and std."""
    pixels = images[labels < NUM_DIGITS].astype(np.float64) / 255
    mean, std = round(pixels.mean(), 4), round(pixels.std(), 4)
    if (mean,) != BACKBONE_MEAN or (std,) != BACKBONE_STD:
        raise SystemExit(f"the digits 0-7 have mean {mean} and std {std}; dlcourse.data says "
                         f"{BACKBONE_MEAN} and {BACKBONE_STD}")


def shifted(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The batch moved by up to MAX_SHIFT pixels in each direction, background at the border."""
    background = -BACKBONE_MEAN[0] / BACKBONE_STD[0]  # a 0 pixel, normalised
    padded = nn.functional.pad(x, (MAX_SHIFT,) * 4, value=background)
    dx, dy = torch.randint(0, 2 * MAX_SHIFT + 1, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + x.shape[2], dx:dx + x.shape[3]]


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum())
                      for i in range(0, len(x), 1000))
    return correct / len(x)


def train() -> tuple[dict[str, torch.Tensor], float]:
    """Pretrains the backbone; returns its state_dict and its test accuracy on 0-7."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    x_train, y_train, x_test, y_test = load_mnist()
    check_normalisation(x_train, y_train)
    x, y = digits(x_train, y_train)
    x_eval, y_eval = digits(x_test, y_test)

    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    model = resnet_class()(**BACKBONE_CONFIG)
    optimizer = torch.optim.SGD(model.parameters(), lr=MAX_LR, momentum=0.9, weight_decay=5e-4)
    steps_per_epoch = -(-len(x) // BATCH_SIZE)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=MAX_LR,
                                                    total_steps=EPOCHS * steps_per_epoch)
    start = time.perf_counter()
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), BATCH_SIZE):
            rows = order[i:i + BATCH_SIZE]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(shifted(x[rows], generator)), y[rows])
            loss.backward()
            optimizer.step()
            scheduler.step()
        print(f"epoch {epoch + 1}/{EPOCHS}: last batch loss {loss.item():.4f}, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    state = {name: value.detach().clone() for name, value in model.state_dict().items()}
    return state, accuracy(model, x_eval, y_eval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="file to write")
    args = parser.parse_args()
    state, test_accuracy = train()
    print(f"accuracy on MNIST's {int((load_mnist()[3] < NUM_DIGITS).sum())} test digits 0-7: "
          f"{test_accuracy:.2%}")
    buffer = io.BytesIO()  # in memory: torch.save names the archive after a file's name
    torch.save(state, buffer)
    content = buffer.getvalue()
    out = args.out.resolve()
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, out)
    digest = hashlib.sha256(content).hexdigest()
    print(f"wrote {out} ({len(content):,} bytes, "
          f"{sum(v.numel() for k, v in state.items() if not k.endswith('num_batches_tracked')):,}"
          " numbers)")
    print(f"sha256: {digest}")
    if digest != BACKBONE_SHA256:
        print(f"this differs from dlcourse.data.BACKBONE_SHA256 ({BACKBONE_SHA256})")


if __name__ == "__main__":
    main()
