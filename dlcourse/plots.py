"""Figures the notebooks draw: computational graphs given as data; image grids with
predicted labels; training curves.

Only matplotlib is used. Nothing is drawn on import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dlcourse.graphs import topological_order

__all__ = ["draw_graph", "plot_curves", "show_filters", "show_predictions"]

WRONG_COLOR = "red"
"""Title colour of a wrong prediction in `show_predictions`."""
RIGHT_COLOR = "black"
"""Title colour of a right prediction in `show_predictions`."""


def _layers(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Each node's column: the longest path reaching it; a source sits just before its
    first consumer, so a weight is drawn beside the operation that uses it."""
    layer: dict[str, int] = {}
    for node in topological_order(nodes, edges):
        inputs = [layer[src] for src, dst in edges if dst == node]
        layer[node] = 1 + max(inputs) if inputs else 0
    for node in nodes:
        consumers = [layer[dst] for src, dst in edges if src == node]
        if consumers and not any(dst == node for _, dst in edges):
            layer[node] = min(consumers) - 1
    return layer


def _rows(nodes: Sequence[str], edges: Sequence[tuple[str, str]],
          layer: Mapping[str, int]) -> dict[str, float]:
    """Vertical positions: each column centred, nodes ordered by where their inputs are."""
    row: dict[str, float] = {}
    for col in sorted(set(layer.values())):
        given = [n for n in nodes if layer[n] == col]

        def key(node: str, given: list[str] = given) -> float:
            above = [row[src] for src, dst in edges if dst == node and src in row]
            return -sum(above) / len(above) if above else given.index(node) - len(given)

        members = sorted(given, key=key)
        for i, node in enumerate(members):
            row[node] = (len(members) - 1) / 2 - i
    return row


def draw_graph(
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    ax: Axes | None = None,
    *,
    title: str | None = None,
    edge_labels: Mapping[tuple[str, str], str] | None = None,
) -> Axes:
    """Draws a computational graph left to right, one column per layer.

    A node's column is the length of the longest path reaching it, so every edge points
    to the right; nodes of one column are spread vertically in the order given.

    Args:
        nodes: node names, e.g. ``["x", "w1", "u1"]``.
        edges: ``(source, target)`` pairs: the source is an input of the target.
        ax: axes to draw on; None makes a new figure.
        title: optional title.
        edge_labels: optional text to write on edges, e.g. ``{("x1", "h1"): "w1"}``.

    Returns:
        The axes drawn on.

    Raises:
        ValueError: an edge names an unknown node, or the graph has a cycle.
    """
    nodes = list(nodes)
    edges = [tuple(edge) for edge in edges]
    unknown = sorted({end for edge in edges for end in edge} - set(nodes))
    if unknown:
        raise ValueError(f"edges use nodes that are not listed: {', '.join(unknown)}")
    layer = _layers(nodes, edges)
    row = _rows(nodes, edges, layer)
    position = {node: (float(layer[node]), row[node]) for node in nodes}
    columns = set(layer.values())
    height = max((sum(1 for n in nodes if layer[n] == c) for c in columns), default=1)

    if ax is None:
        width = 1.6 * max(len(columns), 2)
        _, ax = plt.subplots(figsize=(width, 0.9 * max(height, 2) + 0.6))
    boxes = {
        node: ax.text(x, y, node, ha="center", va="center", fontsize=11, zorder=3,
                      bbox={"boxstyle": "round,pad=0.35", "facecolor": "#e8f0fb",
                            "edgecolor": "#4a6fa5"})
        for node, (x, y) in position.items()
    }
    for src, dst in edges:
        # an edge that skips columns bends outwards, away from the nodes it passes
        (x0, y0), (x1, y1) = position[src], position[dst]
        bend = 0.08 if layer[dst] - layer[src] <= 1 else (-0.35 if y0 + y1 >= 0 else 0.35)
        ax.annotate(
            "",
            xy=(0.5, 0.5), xycoords=boxes[dst],
            xytext=(0.5, 0.5), textcoords=boxes[src],
            arrowprops={"arrowstyle": "-|>", "color": "0.35", "shrinkA": 2, "shrinkB": 2,
                        "patchA": boxes[src].get_bbox_patch(),
                        "patchB": boxes[dst].get_bbox_patch(),
                        "connectionstyle": f"arc3,rad={bend}"},
        )
    for (src, dst), label in (edge_labels or {}).items():
        (x0, y0), (x1, y1) = position[src], position[dst]
        ax.text(0.45 * x0 + 0.55 * x1, 0.45 * y0 + 0.55 * y1, label, ha="center",
                va="bottom", fontsize=10, color="#8a3b12")
    ax.set_xlim(-0.6, max(columns, default=0) + 0.6)
    ax.set_ylim(-height / 2 - 0.3, height / 2 + 0.5)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def _numpy(values) -> np.ndarray:
    """A numpy array of numbers, lists, or CPU tensors (detached first if need be)."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def show_predictions(images, labels, predicted, *, num: int = 100, ncols: int = 10) -> Figure:
    """Draws images in a grid, each titled with its predicted label; wrong ones in red.

    Problem set 000's figure of 100 random test images: pick the images (at random or
    not) before calling; the first ``num`` of them are shown, row by row.

    Args:
        images: shape (N, H, W), or (N, D) with D = H * W for square images
            (MNIST: (N, 28, 28) or (N, 784)); numpy arrays or CPU tensors (all three
            arguments).
        labels: the true labels, shape (N,).
        predicted: the predicted labels, shape (N,).
        num: how many images to show: the first min(num, N).
        ncols: images per row.

    Returns:
        The figure: one axes per image shown, titled with the predicted label, in red
        where it differs from the true label and in black where it is right.

    Raises:
        ValueError: there are no images, the three arguments disagree in length, or flat
            images are not square.
    """
    images, labels, predicted = _numpy(images), _numpy(labels), _numpy(predicted)
    if not len(images) == len(labels) == len(predicted):
        raise ValueError(
            f"{len(images)} images, {len(labels)} labels and {len(predicted)} predictions: "
            "they must agree"
        )
    count = min(num, len(images))
    if count < 1:
        raise ValueError("no images to show")
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(f"flat images of {images.shape[1]} pixels are not square")
        images = images.reshape(len(images), side, side)
    ncols = max(1, min(ncols, count))
    nrows = math.ceil(count / ncols)
    # A fixed grid is much faster than tight_layout with a hundred axes.
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(0.9 * ncols, 1.0 * nrows), squeeze=False,
        gridspec_kw={"wspace": 0.05, "hspace": 0.35, "left": 0.01, "right": 0.99,
                     "bottom": 0.01, "top": 1 - 0.3 / nrows},
    )
    for i, ax in enumerate(axes.flat):
        if i >= count:
            fig.delaxes(ax)
            continue
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        wrong = labels[i] != predicted[i]
        ax.set_title(str(predicted[i]), color=WRONG_COLOR if wrong else RIGHT_COLOR,
                     fontsize=9, pad=2)
        ax.set_axis_off()
    return fig


def _common_suffix(keys: Sequence[str]) -> str:
    """``"accuracy"`` for keys ``("train_accuracy", "test_accuracy")``; "" if they differ."""
    suffixes = {key.split("_", 1)[-1] for key in keys}
    return suffixes.pop().replace("_", " ") if len(suffixes) == 1 else ""


def plot_curves(
    history: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    keys: Sequence[str],
    title: str,
    xlabel: str = "iteration",
) -> Figure:
    """Draws metrics against the iterations (or any other x), one line per key.

    Used for the training and test curves of one run, e.g. keys
    ``("train_accuracy", "test_accuracy")``, and for any other curve given in the same
    form (test accuracy against the number of hidden units, with ``xlabel``).

    Args:
        history: maps a metric's name to a pair ``(x, values)`` of equal-length
            sequences, e.g. ``{"train_loss": ([1, 2, ...], [2.30, 2.12, ...])}``.
        keys: which metrics to draw, in this order; each must be in ``history``.
        title: the figure's title.
        xlabel: the label of the x axis.

    Returns:
        The figure, with one axes holding one line per key, labelled with the key
        (underscores as spaces); the y axis is labelled with what the keys share
        after their first underscore (``accuracy`` above), if anything.

    Raises:
        KeyError: a key is not in ``history``.
        ValueError: a key's x and values differ in length.
    """
    for key in keys:
        if key not in history:
            raise KeyError(f"history has no {key!r}; it has {sorted(history)}")
        if len(history[key][0]) != len(history[key][1]):
            raise ValueError(f"{key!r}: {len(history[key][0])} x values but "
                             f"{len(history[key][1])} values")
    fig, ax = plt.subplots(figsize=(7, 4))
    for key in keys:
        x, values = history[key]
        marker = "o" if len(x) <= 30 else None
        ax.plot(x, values, marker=marker, label=key.replace("_", " "))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_common_suffix(keys))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def show_filters(weights, *, ncols: int = 10, title: str | None = None) -> Figure:
    """Draws the filters of a first convolutional layer, one small image per filter.

    Each filter gets its own colour scale, symmetric about 0 (red positive, blue
    negative, white 0), so that the pattern it detects shows whatever its magnitude.

    Args:
        weights: shape (F, 1, H, W) or (F, H, W): F filters on one input channel, as a
            first layer on grey-scale images has; a numpy array or a CPU tensor (one
            that requires grad is fine).
        ncols: filters per row.
        title: optional title of the figure.

    Returns:
        The figure: one axes per filter, in order, titled with the filter's index.

    Raises:
        ValueError: the weights are not 3- or 4-dimensional, or have more than one
            input channel.
    """
    if hasattr(weights, "detach"):
        weights = weights.detach().cpu().numpy()
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 4:
        if weights.shape[1] != 1:
            raise ValueError(
                f"filters of shape {weights.shape} have {weights.shape[1]} input channels; "
                "show_filters draws first-layer filters on one channel"
            )
        weights = weights[:, 0]
    if weights.ndim != 3:
        raise ValueError(
            f"expected filters of shape (F, 1, H, W) or (F, H, W), got {weights.shape}"
        )
    count = len(weights)
    ncols = max(1, min(ncols, count))
    nrows = max(1, math.ceil(count / ncols))
    fig = plt.figure(figsize=(0.9 * ncols, 1.0 * nrows + (0.3 if title else 0.0)))
    for i, kernel in enumerate(weights):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        limit = float(np.abs(kernel).max()) or 1.0
        ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(str(i), fontsize=8, pad=2)
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.2)
    return fig
