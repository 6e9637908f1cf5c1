"""dlcourse.symbolic: equivalent answers pass, wrong ones fail, the reference stays hidden."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest
import sympy as sp

from dlcourse import symbolic
from dlcourse.failures import CheckFailed
from dlcourse.symbolic import (
    assert_derivative_at,
    assert_equivalent,
    assert_expression,
    assert_graph,
    assert_graph_connects,
    assert_graph_data,
    assert_integers,
    assert_whole_numbers,
    matrix_symbols,
)

matplotlib.use("Agg")

u, x, w = sp.symbols("u x w", real=True)
alpha, lam = sp.symbols("alpha lambda", positive=True)
sigma = sp.Function("sigma")
_t = sp.Dummy("t")
LOGISTIC = {sigma: sp.Lambda(_t, 1 / (1 + sp.exp(-_t)))}
DSIGMA = sp.exp(-u) / (1 + sp.exp(-u)) ** 2  # the reference derivative of the logistic


def _message(answer, expected=DSIGMA, symbols=(u,), **kwargs) -> str:
    """The failure message of a comparison that must fail."""
    kwargs.setdefault("name", "dsigma/du")
    with pytest.raises(CheckFailed) as info:
        assert_equivalent(answer, expected, list(symbols), **kwargs)
    return str(info.value)


def _assert_reveals_nothing(message: str, expected: sp.Expr, symbols=(u,)) -> None:
    """The message shows neither the reference nor its value at the point it names."""
    for form in {str(expected), str(sp.simplify(expected)), sp.srepr(expected)}:
        assert form not in message
    point = {}
    for sym in symbols:
        found = re.search(rf"\b{re.escape(sym.name)} = (-?[\d.e+-]+)", message)
        if found:
            point[sym] = float(found.group(1))
    if len(point) == len(symbols):
        value = float(expected.subs(point).evalf())
        shown = [float(n) for n in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", message)]
        assert not [n for n in shown if np.isclose(n, value, rtol=1e-2, atol=1e-4)]


# ---------------------------------------------------------------------------
# Equivalent answers pass


@pytest.mark.parametrize(
    ("answer", "kwargs"),
    [
        (sp.exp(-u) / (1 + sp.exp(-u)) ** 2, {}),
        (sp.exp(u) / (1 + sp.exp(u)) ** 2, {}),
        (1 / (sp.exp(u) + 2 + sp.exp(-u)), {}),
        (sp.Rational(1, 4) * (1 - sp.tanh(u / 2) ** 2), {}),
        (sigma(u) * (1 - sigma(u)), {"define": LOGISTIC, "functions": [sigma]}),
        (sigma(u) - sigma(u) ** 2, {"define": LOGISTIC, "functions": [sigma]}),
        (sigma(u) * sigma(-u), {"define": LOGISTIC}),
    ],
    ids=["exp_form", "exp_plus_form", "cosh_like_form", "tanh_form", "sigma_form",
         "sigma_expanded", "sigma_symmetric"],
)
def test_equivalent_forms_of_the_sigmoid_derivative_pass(answer, kwargs):
    """Exp, tanh and sigma forms of dsigma/du are all the same answer."""
    assert_equivalent(answer, DSIGMA, [u], name="dsigma/du", **kwargs)


def test_expanded_and_factored_polynomials_are_equal():
    """(x + w)^3 written out term by term equals the factored form."""
    expanded = x**3 + 3 * x**2 * w + 3 * x * w**2 + w**3
    assert_equivalent(expanded, (x + w) ** 3, [x, w], name="cube")
    assert_equivalent((x + w) ** 3, expanded, [x, w], name="cube")


def test_factored_weight_decay_update_equals_expanded():
    """(1 - 2 alpha lambda) w - alpha g equals w - alpha (g + 2 lambda w), for vectors."""
    wv, gv = matrix_symbols("w", 3), matrix_symbols("g", 3)
    expected = wv - alpha * (gv + 2 * lam * wv)
    answer = (1 - 2 * alpha * lam) * wv - alpha * gv
    assert_equivalent(answer, expected, [*wv, *gv, alpha, lam], name="w_next",
                      domain={"alpha": (0.01, 1), "lambda": (0.1, 2), "default": (-2, 2)})


def test_symbols_declared_again_without_assumptions_are_accepted():
    """A student who re-declares u without real=True is matched by name."""
    plain_u = sp.Symbol("u")
    assert_equivalent(sp.exp(-plain_u) / (1 + sp.exp(-plain_u)) ** 2, DSIGMA, [u], name="d")


def test_one_by_one_matrix_counts_as_a_scalar():
    """w.T * w, a 1x1 Matrix, compares with the scalar sum of squares."""
    wv = matrix_symbols("w", 3)
    assert_equivalent(lam * (wv.T * wv), lam * sum(e**2 for e in wv), [*wv, lam], name="penalty")


def test_placeholders_for_forward_values_are_substituted():
    """An answer written with retained forward values equals one written from the inputs."""
    s1, s2 = sp.symbols("s1 s2", real=True)
    w1, w2, w3 = sp.symbols("w1 w2 w3", real=True)
    logistic = LOGISTIC[sigma]
    f = w3 * logistic(w2 * logistic(w1 * x))
    define = {**LOGISTIC, s1: sigma(w1 * x), s2: sigma(w2 * sigma(w1 * x))}
    answer = w3 * s2 * (1 - s2) * w2 * s1 * (1 - s1) * x
    assert_equivalent(answer, sp.diff(f, w1), [w1, w2, w3, x, s1, s2], name="df/dw1",
                      define=define)


def test_points_where_the_reference_is_undefined_are_skipped():
    """1/u style references are compared where they are finite."""
    assert_equivalent((u + 1) / u, 1 + 1 / u, [u], name="q")


def test_correct_answers_pass_when_no_symbolic_proof_is_found(monkeypatch):
    """A simplify miss does not fail a correct answer: the numbers decide."""
    monkeypatch.setattr(symbolic, "_proved_zero", lambda diff: diff == 0)
    assert_equivalent(sigma(u) * (1 - sigma(u)), DSIGMA, [u], name="d", define=LOGISTIC)
    assert_equivalent(1 / (sp.exp(u) + 2 + sp.exp(-u)), DSIGMA, [u], name="d")


def test_large_expressions_never_reach_simplify(monkeypatch):
    """simplify is skipped above SIMPLIFY_MAX_OPS, so a check stays fast."""

    def forbidden(*args, **kwargs):
        raise AssertionError("simplify called on a large expression")

    monkeypatch.setattr(sp, "simplify", forbidden)
    xs = matrix_symbols("x", 6)
    big = sum(sp.exp(-(xi * xj)) / (1 + sp.exp(-xi)) ** 2 for xi in xs for xj in xs)
    assert sp.count_ops(big) > symbolic.SIMPLIFY_MAX_OPS
    assert_equivalent(sp.expand(big), big, list(xs), name="big")


def test_matrix_answers_compare_entry_by_entry():
    """An outer product written two ways is equal; a wrong entry is named by its index."""
    a, b = matrix_symbols("a", 2), matrix_symbols("b", 3)
    expected = a * b.T
    assert_equivalent(sp.Matrix(2, 3, lambda i, j: a[i] * b[j]), expected, [*a, *b], name="ab")
    wrong = sp.Matrix(expected)
    wrong[1, 2] = -wrong[1, 2]
    message = _message(wrong, expected, [*a, *b], name="ab")
    assert message.startswith("ab[1, 2] differs from the expected expression at ")


# ---------------------------------------------------------------------------
# Wrong answers fail, with messages that reveal nothing


WRONG_DERIVATIVES = {
    "sign": -DSIGMA,
    "factor_of_two": 2 * DSIGMA,
    "missing_square": sp.exp(-u) / (1 + sp.exp(-u)),
    "missing_term": 1 / (1 + sp.exp(-u)) ** 2,
    "sigma_instead_of_its_derivative": 1 / (1 + sp.exp(-u)),
    "wrong_sign_in_exponent_and_no_square": sp.exp(u) / (1 + sp.exp(u)),
}


@pytest.mark.parametrize("wrong", WRONG_DERIVATIVES.values(), ids=WRONG_DERIVATIVES.keys())
def test_wrong_derivatives_fail_at_a_named_point(wrong):
    """Sign, factor, missing factor or term: each fails, naming a point, not the answer."""
    message = _message(wrong, what="expected derivative")
    assert re.match(r"dsigma/du differs from the expected derivative at u = -?[\d.]+ ", message)
    _assert_reveals_nothing(message, DSIGMA)


@pytest.mark.parametrize(
    "wrong",
    [sigma(u), 1 - sigma(u), sigma(u) * (1 + sigma(u)), 2 * sigma(u) * (1 - sigma(u))],
    ids=["sigma", "one_minus_sigma", "sign_inside", "factor_of_two"],
)
def test_wrong_sigma_forms_fail(wrong):
    """sigma instead of sigma (1 - sigma), and its cousins, fail."""
    message = _message(wrong, define=LOGISTIC, functions=[sigma])
    _assert_reveals_nothing(message, DSIGMA)


def test_weight_decay_update_missing_factor_two_fails():
    """w - alpha (g + lambda w) is not the update of the penalty lambda |w|^2."""
    wv, gv = matrix_symbols("w", 2), matrix_symbols("g", 2)
    expected = wv - alpha * (gv + 2 * lam * wv)
    message = _message(wv - alpha * (gv + lam * wv), expected, [*wv, *gv, alpha, lam],
                       name="w_next", domain={"alpha": (0.01, 1), "lambda": (0.1, 2)})
    assert message.startswith("w_next[0, 0] differs from the expected expression at ")
    assert "alpha = " in message and "lambda = " in message


def test_near_coincidence_below_float_precision_fails():
    """A difference of 1e-12 u passes float64 tolerances; 50 digits catch it."""
    message = _message(DSIGMA + sp.Rational(1, 10**12) * u)
    assert "differs from the expected expression" in message
    _assert_reveals_nothing(message, DSIGMA)


def test_matrix_of_wrong_shape_fails_with_a_transpose_hint():
    """A transposed gradient fails on its shape, with a hint."""
    a, b = matrix_symbols("a", 2), matrix_symbols("b", 3)
    message = _message(b * a.T, a * b.T, [*a, *b], name="dW")
    assert message == "dW has shape (3, 2), expected (2, 3) (a transpose missing?)."


# ---------------------------------------------------------------------------
# Answers that are not expressions are rejected with clear messages


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "is None"),
        ("exp(-u) / (1 + exp(-u))**2", "is a string"),
        (0.25, "is a plain number"),
        (1, "is a plain number"),
        (True, "is a bool"),
        (np.float64(0.25), "is a plain number"),
        (np.zeros(3), "numpy array"),
        ([u, u], "use sp.Matrix"),
        (sp.Eq(sp.Symbol("y"), u), "equation"),
        (sigma, "the function sigma itself"),
        (sp.Derivative(1 / (1 + sp.exp(-u)), u), "unevaluated Derivative"),
    ],
    ids=["none", "string", "float", "int", "bool", "numpy_scalar", "numpy_array", "list",
         "equation", "function_class", "derivative"],
)
def test_non_expressions_are_rejected(answer, fragment):
    """Strings, None, numbers, arrays, equations, unevaluated derivatives."""
    message = _message(answer)
    assert message.startswith("dsigma/du ")
    assert fragment in message


def test_strings_are_never_evaluated(monkeypatch):
    """A string answer is rejected before anything could parse or run it."""
    monkeypatch.setattr(sp, "sympify", lambda *a, **k: pytest.fail("string was parsed"))
    monkeypatch.setattr(sp, "parse_expr", lambda *a, **k: pytest.fail("string was parsed"),
                        raising=False)
    assert "is a string" in _message("__import__('os').system('true')")


def test_symbols_that_do_not_belong_are_named():
    """An answer using a symbol the question does not offer says which one."""
    message = _message(sp.exp(-x) / (1 + sp.exp(-x)) ** 2)
    assert message == "dsigma/du uses the symbol x, which does not belong here; use only u."


def test_functions_that_are_not_allowed_are_named():
    """The sigma-only form rejects exp; the exp-only form rejects sigma."""
    assert "uses exp(...); here write it with sigma" in _message(
        DSIGMA, define=LOGISTIC, functions=[sigma])
    assert "uses sigma(...); here write it with exp" in _message(
        sigma(u) * (1 - sigma(u)), define=LOGISTIC, functions=[sp.exp])


def test_unknown_functions_fail_with_a_message():
    """An undefined function the test gives no meaning to cannot be evaluated."""
    message = _message(sp.Function("g")(u))
    assert message.startswith("dsigma/du: your expression cannot be evaluated at u = ")


def test_assert_expression_checks_form_only():
    """A wrong but well-formed answer passes the form check; a bad one fails it."""
    assert assert_expression(-DSIGMA, [u], name="d", functions=[sp.exp]) == -DSIGMA
    assert assert_expression(u, [u], name="d") == u  # a bare symbol is an expression
    with pytest.raises(AssertionError, match="a Matrix of shape \\(2, 1\\) is expected"):
        assert_expression(u, [u], name="d", shape=(2, 1))


def test_the_reference_must_be_sympy():
    """A mistake in a test cell is a TypeError, not a student's failure."""
    with pytest.raises(TypeError):
        assert_equivalent(u, "u", [u], name="d")


# ---------------------------------------------------------------------------
# Whole numbers


def test_assert_integers_accepts_equal_values_in_any_integral_type():
    assert_integers(np.int64(61706), 61706, name="count")
    assert_integers(61706.0, 61706, name="count")
    assert_integers([20, 24, 24], (20, 24, 24), name="shape")
    assert_integers(np.array([20, 12, 12]), (20, 12, 12), name="shape")


@pytest.mark.parametrize(
    ("answer", "expected", "message"),
    [
        (61470, 61706, "count is not the expected value."),
        ((20, 23, 23), (20, 24, 24), "count[1] is not the expected value."),
        ((24, 24), (20, 24, 24), "count should have 3 entries, it has 2."),
        (True, 1, "count is a bool; a whole number is expected."),
        ("61706", 61706, "count is a str; a whole number (int) is expected."),
        (61706.5, 61706, "count is a float; a whole number (int) is expected."),
        (None, 3, "count is None: assign a whole number to it."),
    ],
)
def test_assert_integers_fails_without_saying_by_how_much(answer, expected, message):
    with pytest.raises(AssertionError) as info:
        assert_integers(answer, expected, name="count")
    assert str(info.value) == message


# ---------------------------------------------------------------------------
# One small case: a derivative at one point

W1, W2, W3 = sp.symbols("w1 w2 w3", real=True)
F = W3 * sigma(W2 * sigma(W1 * x))  # f of hw1's part A, sigma a placeholder
POINT = {W1: 0.5, W2: -1.2, W3: 0.8, x: 1.5}
DERIVATIVE = {"symbols": (W1, W2, W3, x), "define": LOGISTIC}


def _derivative_message(answer, wrt=W3, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        assert_derivative_at(answer, F, wrt, POINT, name="df_dw3",
                             what="f with respect to w3", **DERIVATIVE, **kwargs)
    return str(info.value)


def test_derivative_at_a_point_accepts_any_correct_form():
    s1 = sigma(W1 * x)
    s2 = sigma(W2 * s1)
    assert_derivative_at(s2, F, W3, POINT, name="df_dw3", what="f", **DERIVATIVE)
    assert_derivative_at(1 / (1 + sp.exp(-W2 / (1 + sp.exp(-W1 * x)))), F, W3, POINT,
                         name="df_dw3", what="f", **DERIVATIVE)
    assert_derivative_at(W3 * s2 * (1 - s2) * W2 * s1 * (1 - s1) * x, F, W1, POINT,
                         name="df_dw1", what="f", **DERIVATIVE)


def test_derivative_at_a_point_fails_a_wrong_answer_without_the_expected_value():
    message = _derivative_message(W1)
    assert message == ("df_dw3 does not match a centred difference of f with respect to w3 "
                       "at w1 = 0.5, w2 = -1.2, w3 = 0.8, x = 1.5 (your expression gives "
                       "0.5 there).")
    expected = float(sp.diff(F.subs(sigma, LOGISTIC[sigma]).doit(), W3).subs(POINT))
    shown = [float(n) for n in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", message)]
    assert not [n for n in shown if np.isclose(n, expected, rtol=1e-2)]
    assert "differs" not in _derivative_message(sigma(W2 * sigma(W1 * x)) * 1.0001)


def test_derivative_at_a_point_checks_the_form_first():
    assert "uses exp(...)" in _derivative_message(sp.exp(W3), functions=[sigma])
    assert "plain number" in _derivative_message(0.5)
    assert "cannot be evaluated" in _derivative_message(sp.Function("g")(W3))


def test_gradient_at_a_point_is_checked_entry_by_entry():
    v = matrix_symbols("v", 2)
    loss = (v.T * v)[0] + alpha * v[0]
    grad = sp.Matrix([2 * v[0] + alpha, 2 * v[1]])
    point = {v[0]: 0.3, v[1]: -0.7, alpha: 1.5}
    assert_derivative_at(grad, loss, v, point, symbols=[*v, alpha], name="g", what="L")
    with pytest.raises(CheckFailed, match=r"^g\[1, 0\] does not match"):
        assert_derivative_at(sp.Matrix([2 * v[0] + alpha, v[1]]), loss, v, point,
                             symbols=[*v, alpha], name="g", what="L")
    with pytest.raises(CheckFailed, match="shape"):
        assert_derivative_at(grad.T, loss, v, point, symbols=[*v, alpha], name="g", what="L")
    with pytest.raises(ValueError, match="alpha"):
        assert_derivative_at(grad, loss, v, {v[0]: 0.3, v[1]: -0.7}, symbols=[*v, alpha],
                             name="g", what="L")


def test_assert_whole_numbers_accepts_what_assert_integers_accepts():
    assert assert_whole_numbers(np.int64(61706), name="count") == 61706
    assert assert_whole_numbers(sp.Integer(7), name="count") == 7
    assert assert_whole_numbers([46.0, np.int32(62), 20], name="shape", length=3) == (46, 62, 20)
    assert assert_whole_numbers(np.array([2, 3]), name="shape", length=2) == (2, 3)


@pytest.mark.parametrize(
    ("answer", "length", "message"),
    [
        (0, None, "count should be a positive whole number."),
        (2.5, None, "count is a float; a whole number (int) is expected."),
        ("12", None, "count is a str; a whole number (int) is expected."),
        ((1, 2), None, "count is a tuple; a whole number (int) is expected."),
        (12, 3, "count should be a tuple of 3 whole numbers, got int."),
        ((1, 2), 3, "count should have 3 entries, it has 2."),
        ((1, -2, 3), 3, "count[1] should be a positive whole number."),
        ((1, None, 3), 3, "count[1] is None: assign a whole number to it."),
    ],
)
def test_assert_whole_numbers_says_what_is_wrong(answer, length, message):
    with pytest.raises(CheckFailed) as info:
        assert_whole_numbers(answer, name="count", length=length)
    assert str(info.value) == message


# ---------------------------------------------------------------------------
# Graphs as data

NODES = ["x", "W1", "z", "h", "W2", "y_hat", "y", "L"]
EDGES = [("x", "z"), ("W1", "z"), ("z", "h"), ("h", "y_hat"), ("W2", "y_hat"),
         ("y_hat", "L"), ("y", "L")]


def _graph_message(nodes, edges) -> str:
    with pytest.raises(AssertionError) as info:
        assert_graph(nodes, edges, NODES, EDGES, name="graph")
    return str(info.value)


def test_graph_with_edges_in_any_order_passes():
    assert_graph(list(reversed(NODES)), [list(e) for e in reversed(EDGES)], NODES, EDGES,
                 name="graph")


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ([e for e in EDGES if e != ("W2", "y_hat")],
         "graph: node 'y_hat' is missing an input: 'y_hat' is computed from 2 direct "
         "input(s), your graph gives it 1."),
        ([*EDGES, ("x", "y_hat")],
         "graph: 'x' -> 'y_hat' is not a step of this computation ('y_hat' does not take "
         "'x' as a direct input)."),
        ([*EDGES, ("L", "x")], "graph: the graph has a cycle"),
        ([*EDGES, ("x", "q")], "graph: the edge 'x' -> 'q' uses 'q', which is not a node."),
        ([*EDGES, ("x", "z")], "graph: the edge 'x' -> 'z' is listed twice."),
        ([*EDGES, ("z", "z")], "graph: the edge 'z' -> 'z' is a loop."),
        ([*EDGES[:-1], ("y",)], "graph: every edge should be a (source, target) pair"),
    ],
    ids=["missing_edge", "extra_edge", "cycle", "unknown_node", "duplicate", "loop", "triple"],
)
def test_wrong_graphs_fail_with_a_message_naming_the_node(edges, message):
    assert _graph_message(NODES, edges).startswith(message)


def test_graph_messages_for_missing_or_extra_nodes():
    assert _graph_message(NODES[:-1], EDGES[:-2]) == "graph has no node 'L'."
    assert _graph_message([*NODES, "b"], EDGES) == (
        "graph has a node 'b' that the question does not ask for.")
    assert _graph_message(None, EDGES).startswith("graph: the nodes or the edges are None")
    assert _graph_message("x z", EDGES).startswith("graph: the nodes should be a list")


def test_graph_data_check_passes_any_wellformed_graph():
    """The visible check accepts a wrong but well-formed graph."""
    nodes, edges = assert_graph_data(NODES, EDGES[:3], name="graph")
    assert nodes == NODES and edges == EDGES[:3]


INPUTS = ["x", "W1", "W2", "y"]


def _connects_message(edges) -> str:
    with pytest.raises(CheckFailed) as info:
        assert_graph_connects(NODES, edges, inputs=INPUTS, output="L", name="graph")
    return str(info.value)


def test_graph_connects_passes_the_reference_and_some_wrong_graphs():
    """The visible check needs no reference: a graph with a misplaced edge may pass."""
    assert_graph_connects(NODES, EDGES, inputs=INPUTS, output="L", name="graph")
    misplaced = [e for e in EDGES if e != ("W2", "y_hat")] + [("W2", "h")]
    assert_graph_connects(NODES, misplaced, inputs=INPUTS, output="L", name="graph")


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ([], "graph: no path leads from 'x' to 'L', yet 'L' depends on 'x'."),
        ([e for e in EDGES if e != ("y", "L")],
         "graph: no path leads from 'y' to 'L', yet 'L' depends on 'y'."),
        ([e for e in EDGES if e != ("z", "h")] + [("x", "h"), ("W1", "h")],
         "graph: no path leads from 'z' to 'L'; every intermediate result is used on the "
         "way to 'L'."),
        ([e for e in EDGES if e != ("z", "h")] + [("z", "y_hat")],
         "graph: no path leads from an input to 'h'; every intermediate result is computed "
         "from the inputs."),
        ([*EDGES, ("y", "W1")],
         "graph: the edge 'y' -> 'W1' points into 'W1', which is an input: nothing computes "
         "it."),
        ([*EDGES, ("L", "x")], "graph: the graph has a cycle"),
        ([*EDGES, ("L", "L")], "graph: the edge 'L' -> 'L' is a loop."),
    ],
    ids=["empty", "input_cut_off", "dead_end", "not_computed", "into_input", "cycle", "loop"],
)
def test_graph_connects_names_the_node_cut_off(edges, message):
    assert _connects_message(edges).startswith(message)


def test_draw_graph_labels_every_node_and_rejects_cycles():
    from dlcourse.plots import draw_graph

    ax = draw_graph(NODES, EDGES, title="P1", edge_labels={("x", "z"): "w"})
    labels = {text.get_text() for text in ax.texts}
    assert set(NODES) | {"w"} <= labels
    assert len(ax.patches) + len([c for c in ax.get_children()
                                  if type(c).__name__ == "Annotation"]) >= len(EDGES)
    with pytest.raises(ValueError, match="cycle"):
        draw_graph(["a", "b"], [("a", "b"), ("b", "a")])
    with pytest.raises(ValueError, match="not listed"):
        draw_graph(["a"], [("a", "b")])
    matplotlib.pyplot.close("all")


def test_matrix_symbols_are_equal_across_calls():
    """A test cell rebuilding the set-up cell's symbols gets the same ones."""
    assert matrix_symbols("W1", 2, 3) == matrix_symbols("W1", 2, 3)
    assert [s.name for s in matrix_symbols("x", 3)] == ["x_1", "x_2", "x_3"]
    assert matrix_symbols("W1", 2, 3)[1, 2].name == "W1_23"
