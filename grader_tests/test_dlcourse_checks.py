"""dlcourse.checks and dlcourse.gradcheck: right answers pass, wrong ones fail clearly."""

import re

import numpy as np
import pytest

from dlcourse import checks
from dlcourse.gradcheck import gradient_error, numeric_gradient, rel_error

# Distinctive expected values: none of their digits may show up in a failure message.
SECRET = np.array([[123.456789, -987.654321, 314.159265], [271.828182, 0.5772156, 1.6180339]])
SECRET_DIGITS = ["123.4", "987.6", "314.1", "271.8", "0.577", "1.618"]


def failure_message(call, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        call(*args, **kwargs)
    return str(info.value)


def assert_reveals_nothing(message: str) -> None:
    for digits in SECRET_DIGITS:
        assert digits not in message, f"message leaks {digits!r}: {message}"


def test_rel_error_is_zero_for_equal_arrays_and_symmetric():
    x = np.array([1.0, -2.0, 0.0])
    y = np.array([1.5, -2.0, 0.0])
    assert rel_error(x, x) == 0.0
    assert rel_error(x, y) == pytest.approx(0.5 / 2.5)
    assert rel_error(x, y) == rel_error(y, x)


def test_numeric_gradient_of_scalar_function_matches_derivative():
    x = np.array([0.3, -1.2, 2.0])
    grad = numeric_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-7)


def test_numeric_gradient_contracts_with_dout_and_restores_x():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((4, 5))
    dout = rng.standard_normal((3, 5))
    before = x.copy()
    grad = numeric_gradient(lambda v: v @ w, x, dout)
    np.testing.assert_allclose(grad, dout @ w.T, rtol=1e-6)
    np.testing.assert_array_equal(x, before)


def test_numeric_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def explode(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numeric_gradient(explode, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numeric_gradient_rejects_integer_arrays():
    with pytest.raises(TypeError, match="float"):
        numeric_gradient(np.sum, np.arange(3))


def test_gradient_error_small_for_right_gradient():
    x = np.linspace(-1, 1, 7)
    assert gradient_error(lambda v: np.tanh(v), x, 1 - np.tanh(x) ** 2) < 1e-8


def test_assert_close_passes_on_equal_values():
    checks.assert_close(SECRET.copy(), SECRET, name="out")
    checks.assert_close(np.float64(2.5), 2.5, name="loss")
    checks.assert_close(2.5, np.float64(2.5), name="loss")


def test_assert_close_message_gives_location_and_error_but_not_expected_values():
    actual = SECRET.copy()
    actual[1, 2] += 0.25
    message = failure_message(checks.assert_close, actual, SECRET, name="fc out", atol=1e-6)
    assert message.startswith("fc out:")
    assert "1 of 6 entries" in message
    assert "(1, 2)" in message
    assert "about 1e-01" in message  # the order of magnitude of the error, no more
    assert "0.25" not in message
    assert "atol=1e-06" in message
    assert_reveals_nothing(message)


def test_assert_close_scalar_mismatch_does_not_reveal_expected():
    message = failure_message(checks.assert_close, 100.0, 123.456789, name="loss")
    assert message.startswith("loss:")
    assert_reveals_nothing(message)
    assert "23.4" not in message  # value + error would be the answer


def test_assert_close_names_a_constant_factor():
    message = failure_message(checks.assert_close, SECRET / 8.0, SECRET, name="loss grad")
    assert "constant factor" in message
    assert not re.search(r"\b8\b", message)  # the factor would give the answer away
    assert_reveals_nothing(message)


def test_assert_close_names_a_sign_error():
    message = failure_message(checks.assert_close, -SECRET, SECRET, name="dx")
    assert "wrong sign" in message
    assert_reveals_nothing(message)


def test_wrong_shape_is_reported_with_both_shapes():
    message = failure_message(checks.assert_close, SECRET.T.copy(), SECRET, name="dw")
    assert "(3, 2)" in message and "(2, 3)" in message
    assert "reshape or transpose" in message
    assert_reveals_nothing(message)
    message = failure_message(checks.assert_shape, np.zeros(4), (4, 1), name="db")
    assert "(4,)" in message and "(4, 1)" in message


def test_nan_and_inf_are_reported_with_first_index():
    actual = SECRET.copy()
    actual[0, 1] = np.nan
    actual[1, 0] = np.inf
    message = failure_message(checks.assert_close, actual, SECRET, name="softmax dx")
    assert "NaN" in message and "infinity" in message
    assert "2 of 6" in message
    assert "(0, 1)" in message
    assert_reveals_nothing(message)
    message = failure_message(checks.assert_scalar, np.float64("nan"), name="loss")
    assert "nan" in message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "is None"),
        ((np.zeros(2), {}), "tuple of 2 items"),
        ([1.0, 2.0], "is a list"),
        ("text", "is a str"),
        (np.array(["a"]), "dtype"),
    ],
)
def test_unfinished_results_are_rejected_with_a_clear_message(value, fragment):
    message = failure_message(checks.assert_close, value, SECRET, name="relu out")
    assert message.startswith("relu out:")
    assert fragment in message
    assert_reveals_nothing(message)


def test_assert_scalar_rejects_arrays_and_none():
    assert checks.assert_scalar(np.array(1.5), name="loss") == 1.5
    assert "shape (5,)" in failure_message(checks.assert_scalar, np.ones(5), name="loss")
    assert "is None" in failure_message(checks.assert_scalar, None, name="loss")
    assert "bool" in failure_message(checks.assert_scalar, True, name="loss")


def test_assert_true_uses_the_given_message():
    checks.assert_true(np.bool_(True), "never shown")
    assert failure_message(checks.assert_true, False, "mask is not binary") == "mask is not binary"


def test_hint_is_appended():
    message = failure_message(checks.assert_close, SECRET + 1, SECRET, name="dx", hint="ties?")
    assert message.endswith("Hint: ties?")


def test_assert_gradient_accepts_the_right_gradient():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 2))
    dout = rng.standard_normal((4, 2))
    checks.assert_gradient(lambda v: v @ w, x, dout @ w.T, name="dx", dout=dout)
    checks.assert_gradient(lambda v: np.sum(np.exp(v)), x, np.exp(x), name="dexp")
    # relu: zero gradient on the negative side must not trip the relative error
    checks.assert_gradient(lambda v: np.maximum(v, 0), x, (x > 0) * 1.0, name="drelu")


def test_assert_gradient_catches_a_wrong_gradient():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 2))
    dout = rng.standard_normal((4, 2))
    message = failure_message(
        checks.assert_gradient, lambda v: v @ w, x, dout @ w.T * 1.01, name="dx", dout=dout
    )
    assert message.startswith("dx: disagrees with the centred-difference gradient")
    assert "12 of 12" in message
    assert "tolerance 1e-06" in message
    wrong_shape = failure_message(
        checks.assert_gradient, lambda v: v @ w, x, (dout @ w.T).T, name="dx", dout=dout
    )
    assert "has shape (3, 4), expected (4, 3)" in wrong_shape
    assert "is None" in failure_message(checks.assert_gradient, np.sum, x, None, name="dx")


def test_importing_checks_does_nothing_visible(capsys):
    import importlib

    importlib.reload(checks)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_unpack_reports_wrong_return_values():
    result = checks.unpack([np.zeros(2), {}], ("out", "cache"), name="fc_forward")
    assert isinstance(result, tuple) and result[1] == {}
    names = ("out", "cache")
    assert "returned None" in failure_message(checks.unpack, None, names, name="fc_forward")
    message = failure_message(checks.unpack, np.zeros((2, 3)), names, name="fc_forward")
    assert "returned a numpy.ndarray, expected a tuple of 2 (out, cache)" in message
    message = failure_message(checks.unpack, (1, 2, 3), names, name="fc_forward")
    assert message == "fc_forward: returned 3 items, expected a tuple of 2 (out, cache)."


def test_a_failed_check_renders_as_its_message_and_the_test_line():
    """IPython shows `_render_traceback_()` in place of the traceback: the wrapped
    message and the calling line, no frame or file path of dlcourse."""
    with pytest.raises(checks.CheckFailed) as info:
        checks.assert_close(np.ones((3, 4)), np.zeros((3, 4)), name="relu_backward dx")
    assert isinstance(info.value, AssertionError)
    lines = info.value._render_traceback_()
    assert lines[0].startswith("CheckFailed: relu_backward dx: 12 of 12 entries")
    assert all(len(line) <= 88 for line in lines[:-1]), lines
    assert " ".join(line.strip() for line in lines[:-1]) == f"CheckFailed: {info.value}"
    assert re.fullmatch(r"in the test cell, line \d+", lines[-1]), lines[-1]
    assert not any("dlcourse" in line for line in lines), lines


def test_assert_inputs_unchanged_names_the_argument_a_function_wrote_into():
    def relu_in_place(x):
        np.maximum(x, 0, out=x)
        return x, None

    def svm_relabel(scores, y):
        y[y == 0] = -1
        return float(np.maximum(0, 1 - y * scores).mean()), None

    def reshape_in_place(x):
        x.shape = (x.size,)
        return x

    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    message = failure_message(checks.assert_inputs_unchanged, relu_in_place, x.copy(),
                              name="relu_forward")
    assert message.startswith("relu_forward: changed its argument 'x' in place (2 of 4 entries)")
    message = failure_message(checks.assert_inputs_unchanged, svm_relabel, np.ones(4),
                              np.array([0, 1, 0, 1]), name="svm_loss")
    assert "argument 'y' in place (2 of 4 entries)" in message
    message = failure_message(checks.assert_inputs_unchanged, reshape_in_place, x.copy(),
                              name="f")
    assert "argument 'x' in place (its shape)" in message
    message = failure_message(checks.assert_inputs_unchanged, lambda *a: a[0].fill(0),
                              np.ones(1), np.ones(2), name="g")
    assert "argument number 1" in message

    def zero_first_entry(x):
        x[0] = 0.0

    message = failure_message(checks.assert_inputs_unchanged, zero_first_entry,
                              np.array([1.0, np.nan, np.nan]), name="h")
    assert "argument 'x' in place (1 of 3 entries)" in message, "a NaN left alone counts"


def test_assert_inputs_unchanged_passes_pure_functions_and_returns_their_result():
    x, y = np.array([-1.0, np.nan, 2.0]), np.array([0, 1, 1])
    params = {"mode": "train"}

    def updates_its_dict(x, params):
        params["running_mean"] = x.mean()
        return np.maximum(x, 0), "cache"

    result = checks.assert_inputs_unchanged(lambda a, b: a + b, x, y, name="add")
    np.testing.assert_array_equal(result, np.array([-1.0, np.nan, 3.0]))
    result = checks.assert_inputs_unchanged(updates_its_dict, x, params, name="bn")
    assert result[1] == "cache" and "running_mean" in params
