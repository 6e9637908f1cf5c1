"""Numerical gradients by centred differences, and the relative error used to compare them.

The course writes these once, here; notebooks and `dlcourse.checks` import them.

Typical use, for a layer ``out = f(x)`` with upstream gradient ``dout``::

    num_dx = numeric_gradient(lambda x: layer_forward(x, w)[0], x, dout)
    print(rel_error(num_dx, dx))   # about 1e-8 or smaller when dx is right

Use float64 inputs: in float32, a step of 1e-6 is lost in rounding.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["gradient_error", "numeric_gradient", "rel_error"]


def rel_error(x: ArrayLike, y: ArrayLike) -> float:
    """Largest elementwise relative error between two arrays of the same shape.

    ``max |x - y| / max(1e-8, |x| + |y|)``, taken elementwise and then maximised,
    so it is symmetric in x and y and stays finite where both are zero.

    Args:
        x: array, any shape.
        y: array, broadcastable to x's shape.

    Returns:
        The largest relative error, a Python float (0.0 for empty arrays).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0 and y.size == 0:
        return 0.0
    err = np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))
    return float(np.max(err))


def numeric_gradient(
    f: Callable[[NDArray[np.floating]], ArrayLike],
    x: NDArray[np.floating],
    dout: ArrayLike | None = None,
    h: float = 1e-6,
) -> NDArray[np.float64]:
    """Gradient of ``sum(f(x) * dout)`` with respect to x, by centred differences.

    Each entry of x is nudged in place by +h and -h and f is re-evaluated, so f may
    read x through a closure as well as through its argument. x is restored
    afterwards, even if f raises.

    Args:
        f: function of x returning an array (any shape) or a scalar.
        x: point at which to differentiate; a floating-point array, modified
            in place during the call and restored before returning.
        dout: upstream gradient with f(x)'s shape; None means all ones (for a scalar
            f, the plain derivative).
        h: step size.

    Returns:
        Array of x's shape: ``(f(x + h e_i) - f(x - h e_i)) . dout / (2h)`` for every i.

    Raises:
        TypeError: if x is not a numpy array of a floating dtype.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            "numeric_gradient needs x as a numpy array of floats (float64 recommended), "
            f"got {type(x).__name__}"
            + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    weights = None if dout is None else np.asarray(dout, dtype=np.float64)
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        try:
            x[ix] = old + h
            pos = np.array(f(x), dtype=np.float64)  # copy: f may return a view of x
            x[ix] = old - h
            neg = np.array(f(x), dtype=np.float64)
        finally:
            x[ix] = old
        diff = pos - neg
        grad[ix] = np.sum(diff if weights is None else diff * weights) / (2.0 * h)
    return grad


def gradient_error(
    f: Callable[[NDArray[np.floating]], ArrayLike],
    x: NDArray[np.floating],
    analytic: ArrayLike,
    dout: ArrayLike | None = None,
    h: float = 1e-6,
) -> float:
    """Relative error between an analytic gradient and the centred-difference one.

    Args:
        f: function of x, as for `numeric_gradient`.
        x: point at which to differentiate (restored afterwards).
        analytic: the gradient to check, x's shape.
        dout: upstream gradient with f(x)'s shape, or None for all ones.
        h: step size.

    Returns:
        ``rel_error(analytic, numeric_gradient(f, x, dout, h))``.
    """
    return rel_error(analytic, numeric_gradient(f, x, dout, h))
