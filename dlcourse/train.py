"""Seeding and progress bars for the notebooks that train.

Progress bars write to stdout, never to stderr: nbgrader gives a graded cell that writes
anything to stderr zero points, and tqdm's default stream is stderr.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterable

import numpy as np
from tqdm.auto import tqdm


def seed_everything(seed: int) -> None:
    """Seeds Python's, NumPy's global and (if it is installed) PyTorch's generators."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)


def progress(
    iterable: Iterable | None = None, *, total: int | None = None, desc: str = "", **kwargs
):
    """A tqdm progress bar that writes to stdout (a widget in JupyterLab).

    Args:
        iterable: what to iterate over, or None to call ``update`` by hand.
        total: the number of steps, when ``iterable`` has no length.
        desc: the label in front of the bar.
        **kwargs: passed on to tqdm.
    """
    kwargs.setdefault("mininterval", 0.5)
    kwargs.setdefault("leave", True)
    return tqdm(iterable, total=total, desc=desc, file=sys.stdout, **kwargs)
