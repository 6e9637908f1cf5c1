"""dlcourse.plots.show_filters: the first-layer filters of hw5's networks as images."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from dlcourse.plots import show_filters


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_show_filters_draws_one_titled_image_per_filter():
    """Twenty 5x5 filters give twenty axes, titled 0..19 in order, each showing its filter."""
    weights = np.random.default_rng(0).standard_normal((20, 1, 5, 5))
    fig = show_filters(weights, ncols=10, title="conv1")
    assert len(fig.axes) == 20
    assert [ax.get_title() for ax in fig.axes] == [str(i) for i in range(20)]
    for ax, kernel in zip(fig.axes, weights[:, 0], strict=True):
        np.testing.assert_allclose(ax.images[0].get_array(), kernel)
    assert fig._suptitle.get_text() == "conv1"


def test_show_filters_scales_each_filter_symmetrically_about_zero():
    """A filter's colour limits are +-its largest magnitude, so 0 is always the middle colour."""
    weights = np.stack([np.full((3, 3), 0.5), -4.0 * np.eye(3)])
    fig = show_filters(weights)
    assert [ax.images[0].get_clim() for ax in fig.axes] == [(-0.5, 0.5), (-4.0, 4.0)]


def test_show_filters_accepts_a_parameter_that_requires_grad():
    """The weight of an nn.Conv2d is drawn as it is, without a detach by the caller."""
    conv = torch.nn.Conv2d(1, 4, 5)
    fig = show_filters(conv.weight)
    assert len(fig.axes) == 4
    np.testing.assert_allclose(fig.axes[3].images[0].get_array(),
                               conv.weight.detach().numpy()[3, 0], rtol=1e-6)


def test_show_filters_rejects_filters_on_several_channels():
    """Filters of a later layer (several input channels) are refused with a clear message."""
    with pytest.raises(ValueError, match="input channels"):
        show_filters(np.zeros((8, 4, 5, 5)))
    with pytest.raises(ValueError, match="expected filters"):
        show_filters(np.zeros((5, 5)))
