"""Assertion helpers for the notebooks' test cells.

Every helper raises `CheckFailed`, an `AssertionError`, with a message that names the
quantity under test and says what is wrong (its type, its shape, where the first
mismatch is, how large the error is, which tolerance applies, and sometimes a hint),
but never prints the expected values: hidden tests must not give away the answer.

Test cells import this module inside their test function::

    def _test():
        from dlcourse import checks

        x = np.random.default_rng(0).standard_normal((3, 4))
        out, _ = checks.unpack(relu_forward(x), ("out", "cache"), name="relu_forward")
        checks.assert_close(out, np.maximum(x, 0), name="relu_forward out")

    _test()

Importing inside the function means a submission that rebinds the global name `checks`
cannot swap in assertions that always pass.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dlcourse.failures import CheckFailed
from dlcourse.gradcheck import numeric_gradient

__all__ = [
    "CheckFailed",
    "assert_close",
    "assert_finite",
    "assert_gradient",
    "assert_inputs_unchanged",
    "assert_is_array",
    "assert_scalar",
    "assert_shape",
    "assert_true",
    "unpack",
]


def _fail(name: str, message: str, hint: str | None = None) -> NoReturn:
    text = f"{name}: {message}"
    if hint:
        text += f" Hint: {hint}"
    raise CheckFailed(text)


def _type_name(value: object) -> str:
    cls = type(value)
    module = cls.__module__
    return cls.__name__ if module == "builtins" else f"{module}.{cls.__name__}"


def _index(flat_position: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat_position, shape))


def assert_true(condition: object, message: str) -> None:
    """Fail with `message` unless `condition` is true.

    Args:
        condition: anything with a truth value (a numpy bool is fine).
        message: what went wrong, in words a student can act on; it must not contain
            the expected answer.

    Raises:
        AssertionError: if `condition` is false.
    """
    if not bool(condition):
        raise CheckFailed(message)


def unpack(result: object, names: Sequence[str], *, name: str) -> tuple:
    """Check that a function returned a tuple of the expected length, and return it.

    Use it around a call whose result the test unpacks, so that a stub or a function
    returning the wrong number of things fails with a clear message instead of a
    ``ValueError: too many values to unpack``::

        out, cache = checks.unpack(fc_forward(x, w, b), ("out", "cache"), name="fc_forward")

    Args:
        result: what the student's function returned.
        names: the names of the expected items, in order (for the message).
        name: the function's name, for the message.

    Returns:
        `result`, as a tuple.

    Raises:
        AssertionError: if `result` is not a tuple (or list) of len(names) items.
    """
    expected = f"a tuple of {len(names)} ({', '.join(names)})"
    if result is None:
        _fail(name, f"returned None, expected {expected}. Is a `return` missing, or is "
              "the function still unfinished?")
    if not isinstance(result, (tuple, list)):
        _fail(name, f"returned a {_type_name(result)}, expected {expected}.")
    if len(result) != len(names):
        _fail(name, f"returned {len(result)} items, expected {expected}.")
    return tuple(result)


def assert_is_array(value: object, *, name: str, hint: str | None = None) -> NDArray:
    """Check that `value` is a numeric numpy array, as a finished function returns.

    Unfinished stubs tend to return None, a tuple or a list; each gets its own message.

    Args:
        value: what the student's function returned.
        name: what it is, for the message (e.g. ``"fc_backward dx"``).
        hint: optional extra advice appended to the message.

    Returns:
        `value`, unchanged.

    Raises:
        AssertionError: if `value` is not a numpy array of numbers.
    """
    if value is None:
        _fail(
            name,
            "is None, expected a numpy array. Is a `return` missing, or is the function "
            "still unfinished?",
            hint,
        )
    if isinstance(value, tuple):
        _fail(
            name,
            f"is a tuple of {len(value)} items, expected a numpy array. Check what the "
            "function returns: forward passes return (out, cache), backward passes the "
            "gradients.",
            hint,
        )
    if isinstance(value, list):
        _fail(name, "is a list, expected a numpy array (np.asarray converts it).", hint)
    if _type_name(value) == "torch.Tensor":
        _fail(name, "is a torch.Tensor, expected a numpy array: these layers use numpy only.",
              hint)
    if not isinstance(value, np.ndarray):
        _fail(name, f"is a {_type_name(value)}, expected a numpy array.", hint)
    if not (np.issubdtype(value.dtype, np.number) or value.dtype == np.bool_):
        _fail(name, f"has dtype {value.dtype}, expected numbers.", hint)
    return value


def assert_scalar(value: object, *, name: str, hint: str | None = None) -> float:
    """Check that `value` is a single finite real number and return it as a float.

    Accepts Python numbers, numpy scalars and 0-dimensional arrays.

    Args:
        value: what the student's function returned (e.g. a loss).
        name: what it is, for the message.
        hint: optional extra advice appended to the message.

    Returns:
        The value as a Python float.

    Raises:
        AssertionError: if `value` is not one finite real number.
    """
    if value is None:
        _fail(name, "is None, expected a number. Is a `return` missing, or is the function "
              "still unfinished?", hint)
    if isinstance(value, (bool, np.bool_)):
        _fail(name, "is a bool, expected a number.", hint)
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            _fail(
                name,
                f"is an array of shape {value.shape}, expected a single number. "
                "Was a mean (or a sum) over the batch left out?",
                hint,
            )
        value = value[()]
    if isinstance(value, (tuple, list)):
        _fail(name, f"is a {type(value).__name__} of {len(value)} items, expected a "
              "single number.", hint)
    if not isinstance(value, (int, float, np.integer, np.floating)):
        _fail(name, f"is a {_type_name(value)}, expected a number.", hint)
    number = float(value)  # type: ignore[arg-type]
    if not np.isfinite(number):
        _fail(
            name,
            f"is {number}, expected a finite number (overflow in exp or log of 0?).",
            hint,
        )
    return number


def assert_shape(
    actual: object, shape: Sequence[int], *, name: str, hint: str | None = None
) -> None:
    """Check that `actual` is a numpy array of the given shape.

    Args:
        actual: the array to check.
        shape: the shape it must have.
        name: what it is, for the message.
        hint: optional extra advice appended to the message.

    Raises:
        AssertionError: if `actual` is not an array, or has another shape.
    """
    array = assert_is_array(actual, name=name, hint=hint)
    shape = tuple(int(s) for s in shape)
    if array.shape != shape:
        advice = ""
        if array.size == int(np.prod(shape)):
            advice = " It has the right number of entries: a reshape or transpose is " \
                "missing or misplaced?"
        elif array.ndim == len(shape) + 1 or array.ndim + 1 == len(shape):
            advice = " One dimension too many or too few: a sum, mean or reshape over " \
                "an axis?"
        _fail(name, f"has shape {array.shape}, expected {shape}.{advice}", hint)


def assert_finite(actual: object, *, name: str, hint: str | None = None) -> None:
    """Check that an array holds no NaN or infinity.

    Args:
        actual: the array to check.
        name: what it is, for the message.
        hint: optional extra advice appended to the message.

    Raises:
        AssertionError: if `actual` is not an array or has non-finite entries; the
            message gives how many and the index of the first.
    """
    array = assert_is_array(actual, name=name, hint=hint)
    if np.issubdtype(array.dtype, np.bool_) or np.issubdtype(array.dtype, np.integer):
        return
    bad = ~np.isfinite(array)
    if bad.any():
        first = _index(int(np.flatnonzero(bad)[0]), array.shape)
        kinds = " and ".join(
            label
            for label, mask in (("NaN", np.isnan(array)), ("infinity", np.isinf(array)))
            if mask.any()
        )
        _fail(
            name,
            f"contains {kinds} in {int(bad.sum())} of {array.size} entries, the first at "
            f"index {first}. Overflow (exp of a large number) or a division by zero?",
            hint,
        )


def _factor_hint(actual: NDArray, expected: NDArray, rtol: float, atol: float) -> str:
    """Say whether `actual` is a constant multiple of `expected` (not revealing either)."""
    a = actual.astype(np.float64).ravel()
    e = expected.ravel()
    denom = float(a @ a)
    if a.size < 2 or denom == 0.0:
        return ""
    k = float(a @ e) / denom
    if not np.isfinite(k) or k == 0.0 or np.isclose(k, 1.0):
        return ""
    if not np.allclose(k * a, e, rtol=max(rtol, 1e-6) * 10, atol=atol * 10):
        return ""
    if np.isclose(k, -1.0):
        return " The values have the wrong sign."
    # The factor itself is not shown: multiplying by it would give the answer away.
    return (" The values are off by a constant factor: a missing scale, or a sum where a "
            "mean belongs?")


def _magnitude(error: float) -> str:
    """An error as its order of magnitude ("about 1e-02"): enough to debug with, too
    coarse to recover the expected value from the student's own."""
    if error == 0.0 or not np.isfinite(error):
        return f"{error:g}"
    return f"about 1e{int(np.floor(np.log10(error))):+03d}"


def assert_close(
    actual: object,
    expected: ArrayLike,
    *,
    name: str,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    hint: str | None = None,
) -> None:
    """Check that `actual` matches `expected` within ``atol + rtol * |expected|``.

    The message on failure gives the shape, how many entries are off, the index of the
    first one, the order of magnitude of the largest errors and the tolerance, never the
    expected values themselves (for a single number, not even the size of the error).

    Args:
        actual: the student's result: an array, or a number when `expected` is one.
        expected: the reference result (any array-like; compared in float64).
        name: what it is, for the message.
        rtol: relative tolerance.
        atol: absolute tolerance.
        hint: optional extra advice appended to the message.

    Raises:
        AssertionError: on a wrong type, shape, a NaN or infinity, or values out of
            tolerance.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if expected.ndim == 0 and not isinstance(actual, np.ndarray):
        value = assert_scalar(actual, name=name, hint=hint)
        if not np.isclose(value, expected, rtol=rtol, atol=atol):
            # No size of the error for a single number: value +- error is the answer.
            _fail(
                name,
                f"is not the expected value (tolerance atol={atol:g}, rtol={rtol:g}).",
                hint,
            )
        return
    assert_shape(actual, expected.shape, name=name, hint=hint)
    array = np.asarray(actual)
    if np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating):
        where_expected_finite = np.isfinite(expected)
        bad = ~np.isfinite(array) & where_expected_finite
        if bad.any():
            assert_finite(array, name=name, hint=hint)
    ok = np.isclose(array, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not ok.all():
        wrong = ~ok
        first = _index(int(np.flatnonzero(wrong)[0]), array.shape)
        diff = np.abs(array.astype(np.float64) - expected)
        diff = np.where(np.isfinite(diff), diff, 0.0)
        rel = diff / np.maximum(1e-8, np.abs(array) + np.abs(expected))
        _fail(
            name,
            f"{int(wrong.sum())} of {array.size} entries are out of tolerance "
            f"(atol={atol:g}, rtol={rtol:g}), the first at index {first}; largest absolute "
            f"error {_magnitude(float(diff.max()))}, largest relative error "
            f"{_magnitude(float(rel.max()))}."
            + _factor_hint(array, expected, rtol, atol),
            hint,
        )


def assert_gradient(
    f: Callable[[NDArray[np.floating]], ArrayLike],
    x: NDArray[np.floating],
    analytic: object,
    *,
    name: str,
    dout: ArrayLike | None = None,
    tol: float = 1e-6,
    atol: float = 1e-8,
    h: float = 1e-6,
    hint: str | None = None,
) -> None:
    """Check an analytic gradient against centred differences.

    The numerical gradient is that of ``sum(f(x) * dout)`` (see
    `dlcourse.gradcheck.numeric_gradient`). An entry passes when its relative error
    ``|a - n| / max(1e-8, |a| + |n|)`` is at most `tol`, or when ``|a - n| <= atol``
    (so rounding noise on entries that are nearly zero does not count).

    Args:
        f: function of x returning an array or a scalar; reads x in place.
        x: float64 array at which to check (modified during the call, then restored).
        analytic: the student's gradient, x's shape.
        name: what it is, for the message.
        dout: upstream gradient with f(x)'s shape, or None for all ones.
        tol: largest relative error allowed per entry.
        atol: absolute differences up to this are accepted whatever the relative error.
        h: finite-difference step.
        hint: optional extra advice appended to the message.

    Raises:
        AssertionError: if `analytic` has the wrong type or shape, is not finite, or
            disagrees with the numerical gradient.
    """
    assert_shape(analytic, x.shape, name=name, hint=hint)
    assert_finite(analytic, name=name, hint=hint)
    a = np.asarray(analytic, dtype=np.float64)
    numeric = numeric_gradient(f, x, dout=dout, h=h)
    diff = np.abs(a - numeric)
    rel = diff / np.maximum(1e-8, np.abs(a) + np.abs(numeric))
    wrong = (rel > tol) & (diff > atol)
    if wrong.any():
        first = _index(int(np.flatnonzero(wrong)[0]), a.shape)
        _fail(
            name,
            f"disagrees with the centred-difference gradient in {int(wrong.sum())} of "
            f"{a.size} entries, the first at index {first}; largest relative error "
            f"{float(rel[wrong].max()):.3g} (tolerance {tol:g}).",
            hint,
        )


def assert_inputs_unchanged(function: Callable, *args: object, name: str) -> object:
    """Call ``function(*args)`` and check that it left each array argument as it was.

    Layers are called again and again on the same arrays (hw3 reuses a batch for the
    forward pass, the backward pass and the numerical check), so a function that writes
    into its input (``x[x < 0] = 0``, ``x -= x.max(axis=1, keepdims=True)``,
    ``np.maximum(x, 0, out=x)``) corrupts its caller's data. Only numpy arrays passed
    directly are checked: the parameter dicts (which batch normalization updates) and
    the caches are not.

    Args:
        function: the student's function.
        args: its arguments, positional.
        name: the function's name, for the message.

    Returns:
        What `function` returned.

    Raises:
        AssertionError: naming the first argument that changed (by its parameter name
            where the signature gives one) and how many of its entries.
    """
    copies = {i: arg.copy() for i, arg in enumerate(args) if isinstance(arg, np.ndarray)}
    result = function(*args)
    for i, before in copies.items():
        after = args[i]
        if after.shape != before.shape:
            changed = "its shape"
        else:
            same = after == before
            if np.issubdtype(before.dtype, np.inexact):
                same |= np.isnan(after) & np.isnan(before)
            if same.all():
                continue
            changed = f"{int(same.size - same.sum())} of {before.size} entries"
        names = _positional_names(function)
        label = repr(names[i]) if i < len(names) else f"number {i + 1}"
        _fail(name, f"changed its argument {label} in place ({changed}).",
              "A function must leave the arrays it is given as they were: compute into a "
              "new array (np.maximum(x, 0), x - m) or work on a copy (x = x.copy()).")
    return result


def _positional_names(function: Callable) -> list[str]:
    """The names of `function`'s positional parameters; [] when it has no signature."""
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin, say
        return []
    return [parameter.name for parameter in parameters if parameter.kind in positional]
