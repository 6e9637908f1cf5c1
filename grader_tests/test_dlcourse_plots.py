"""dlcourse.plots.show_predictions and plot_curves: the figures of hw4's MNIST networks."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import same_color

from dlcourse.plots import RIGHT_COLOR, WRONG_COLOR, plot_curves, show_predictions

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _digits(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.random((n, 28, 28))
    labels = rng.integers(0, 10, n)
    return images, labels


def test_show_predictions_titles_each_image_with_its_prediction_red_when_wrong():
    """One axes per image, titled with the prediction; red exactly where it is wrong."""
    images, labels = _digits(100)
    predicted = labels.copy()
    wrong = [3, 17, 42, 99]
    predicted[wrong] = (labels[wrong] + 1) % 10
    fig = show_predictions(images, labels, predicted)
    assert len(fig.axes) == 100
    assert [ax.get_title() for ax in fig.axes] == [str(p) for p in predicted]
    red = [i for i, ax in enumerate(fig.axes) if same_color(ax.title.get_color(), WRONG_COLOR)]
    assert red == wrong
    others = [ax for i, ax in enumerate(fig.axes) if i not in wrong]
    assert all(same_color(ax.title.get_color(), RIGHT_COLOR) for ax in others)
    assert WRONG_COLOR != RIGHT_COLOR


def test_show_predictions_draws_each_image_in_order():
    """Axes i shows image i, row by row, ncols images per row."""
    images, labels = _digits(12)
    fig = show_predictions(images, labels, labels, num=12, ncols=5)
    assert len(fig.axes) == 12
    for ax, image in zip(fig.axes, images, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), image)
    rows = [ax.get_subplotspec().rowspan.start for ax in fig.axes]
    assert rows == [0] * 5 + [1] * 5 + [2] * 2


def test_show_predictions_shows_the_first_num_images():
    """num limits the grid to the first num images; fewer images than num show them all."""
    images, labels = _digits(30)
    assert len(show_predictions(images, labels, labels, num=7).axes) == 7
    assert len(show_predictions(images[:4], labels[:4], labels[:4]).axes) == 4


def test_show_predictions_accepts_flat_images_and_tensors():
    """Flat rows of 784 pixels are drawn as 28 x 28; tensors, even with grad, work too."""
    images, labels = _digits(6)
    flat = torch.tensor(images.reshape(6, 784), requires_grad=True)
    predicted = torch.tensor(labels)
    predicted[0] = (predicted[0] + 1) % 10
    fig = show_predictions(flat, torch.tensor(labels), predicted)
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    np.testing.assert_allclose(fig.axes[5].images[0].get_array(), images[5])
    assert same_color(fig.axes[0].title.get_color(), WRONG_COLOR)
    assert same_color(fig.axes[1].title.get_color(), RIGHT_COLOR)


def test_show_predictions_rejects_inconsistent_arguments():
    """Lengths that disagree, or flat images that are not square, raise ValueError."""
    images, labels = _digits(5)
    with pytest.raises(ValueError, match="must agree"):
        show_predictions(images, labels[:4], labels)
    with pytest.raises(ValueError, match="not square"):
        show_predictions(np.zeros((5, 780)), labels, labels)
    with pytest.raises(ValueError, match="no images"):
        show_predictions(images, labels, labels, num=0)


def test_plot_curves_draws_one_labelled_line_per_key():
    """Each key is one line with its own x values; legend, title and axis labels are set."""
    history = {
        "train_accuracy": ([1, 2, 3, 4], [0.5, 0.6, 0.55, 0.7]),
        "test_accuracy": ([2, 4], [0.58, 0.66]),
        "train_loss": ([1, 2, 3, 4], [2.3, 1.9, 1.7, 1.5]),
    }
    fig = plot_curves(history, keys=("train_accuracy", "test_accuracy"), title="Accuracy")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    for line, key in zip(ax.lines, ("train_accuracy", "test_accuracy"), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), history[key][0])
        np.testing.assert_array_equal(line.get_ydata(), history[key][1])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train accuracy",
                                                                  "test accuracy"]
    assert ax.get_title() == "Accuracy"
    assert ax.get_xlabel() == "iteration"
    assert ax.get_ylabel() == "accuracy"


def test_plot_curves_takes_any_x_axis():
    """Test accuracy against hidden units: another xlabel, no shared metric name needed."""
    history = {"test_accuracy": ([10, 100, 750], [0.86, 0.90, 0.91]),
               "width_cost": ([10, 100, 750], [1, 2, 8])}
    fig = plot_curves(history, keys=("test_accuracy", "width_cost"), title="Width",
                      xlabel="hidden units")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "hidden units"
    assert ax.get_ylabel() == ""
    assert len(ax.lines) == 2


def test_plot_curves_rejects_missing_keys_and_ragged_pairs():
    """A key not in the history, or x and values of different lengths, raise clearly and
    leave no figure open."""
    history = {"train_loss": ([1, 2], [2.0, 1.0]), "test_loss": ([1, 2], [2.0])}
    with pytest.raises(KeyError, match="test_accuracy"):
        plot_curves(history, keys=("test_accuracy",), title="t")
    with pytest.raises(ValueError, match="test_loss"):
        plot_curves(history, keys=("train_loss", "test_loss"), title="t")
    assert not plt.get_fignums()
