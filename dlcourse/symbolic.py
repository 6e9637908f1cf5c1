"""Checking answers written as sympy expressions, and computational graphs given as data.

A derivation answer (a derivative, an update rule, a bound) is a sympy expression built
from the symbols a notebook's set-up cell defines. `assert_equivalent` compares it with
the reference in two independent ways:

- numerically, at seeded random points, in float64 (and, where float64 cannot decide,
  again at 50 significant digits), so a wrong answer fails even when sympy cannot
  simplify the difference, and a right one passes even when sympy cannot prove it;
- symbolically, with cheap canonical forms first (``cancel``, ``together``) and
  ``sympy.simplify`` only for small expressions, so a check stays fast.

Failure messages name the answer and a point where it is wrong, e.g. ``dsigma/du differs
from the expected derivative at u = 0.7 (your expression gives 0.43 there)``; they never
show the expected expression or its value.

Test cells call it inside their test function::

    def _test():
        import sympy as sp
        from dlcourse.symbolic import assert_equivalent
        u = sp.Symbol("u", real=True)
        assert_equivalent(dsigma_du_exp, expected, [u], name="dsigma/du",
                          what="expected derivative", functions=[sp.exp])

    _test()

A visible test checks an answer on one small case without knowing it:
`assert_derivative_at` compares a derivative, at one point, with a centred difference of
the function it differentiates.

Graphs are given as a list of node names and a list of ``(source, target)`` edges;
`assert_graph` compares one with the expected structure, node by node, and
`assert_graph_connects` checks, without the reference, that the graph computes its
output from its inputs. Exact whole-number answers (sizes, counts) go through
`assert_integers`, which, unlike a tolerance check, does not say by how much an answer
is off; `assert_whole_numbers` checks only that a size or count is one, as a visible
test may.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence

import mpmath
import numpy as np
import sympy as sp
from sympy.core.function import FunctionClass

from dlcourse.failures import CheckFailed
from dlcourse.graphs import topological_order

__all__ = [
    "assert_derivative_at",
    "assert_equivalent",
    "assert_expression",
    "assert_graph",
    "assert_graph_connects",
    "assert_graph_data",
    "assert_integers",
    "assert_whole_numbers",
    "matrix_symbols",
    "topological_order",
]

Domain = tuple[float, float]

#: Range the random evaluation points are drawn from unless `domain` says otherwise.
DEFAULT_DOMAIN: Domain = (-2.0, 2.0)
#: Expressions with more operations than this skip ``sympy.simplify`` (numbers decide).
SIMPLIFY_MAX_OPS = 150
#: Expressions with more operations than this skip every symbolic step (numbers decide).
CANONICAL_MAX_OPS = 400
#: Digits of the high-precision evaluation that settles what float64 cannot.
HIGH_PRECISION_DIGITS = 50
#: Step of the centred differences of `assert_derivative_at` (taken at 50 digits, so
#: its error, of the order of the step squared, is far below any tolerance).
DIFFERENCE_STEP = "1e-12"


def _fail(message: str) -> None:
    raise CheckFailed(message)


def matrix_symbols(name: str, rows: int, cols: int = 1) -> sp.Matrix:
    """A matrix (or column vector) of real symbols, numbered from 1.

    ``matrix_symbols("x", 3)`` is the column vector (x_1, x_2, x_3);
    ``matrix_symbols("W1", 2, 3)`` has entries ``W1_11 ... W1_23``. Symbols with the same
    name and assumptions are equal in sympy, so a test cell that calls this again gets
    the very symbols the set-up cell made.

    Args:
        name: the matrix's name.
        rows: number of rows.
        cols: number of columns; 1 (the default) makes a column vector.

    Returns:
        A ``rows x cols`` sympy Matrix of real symbols.
    """
    if cols == 1:
        return sp.Matrix(rows, 1, lambda i, _: sp.Symbol(f"{name}_{i + 1}", real=True))
    if rows > 9 or cols > 9:
        raise ValueError("matrix_symbols numbers entries with one digit per index (at most 9)")
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True))


# ---------------------------------------------------------------------------
# Validating an answer
# ---------------------------------------------------------------------------


def _symbol_hint(names: Sequence[str]) -> str:
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"build it from the sympy symbols of the set-up cell ({shown})"


def _function_name(func: object) -> str:
    return getattr(func, "__name__", None) or str(func)


def _as_sympy(answer: object, name: str, names: Sequence[str]) -> sp.Basic:
    """The answer as a sympy expression or Matrix, or an AssertionError saying why not."""
    hint = _symbol_hint(names)
    if answer is None:
        _fail(f"{name} is None: assign a sympy expression to it ({hint}).")
    if isinstance(answer, str):
        _fail(
            f"{name} is a string; write it as a sympy expression instead ({hint}, and "
            "functions such as sp.exp), e.g. sp.exp(-u) rather than 'exp(-u)'."
        )
    if isinstance(answer, (bool, np.bool_)):
        _fail(f"{name} is a bool; it should be a sympy expression ({hint}).")
    if isinstance(answer, (int, float, complex, np.number)):
        _fail(
            f"{name} is a plain number ({type(answer).__name__}); it should be a sympy "
            f"expression that depends on the symbols ({hint})."
        )
    if isinstance(answer, np.ndarray):
        _fail(f"{name} is a numpy array; use sp.Matrix for a vector or matrix answer.")
    if isinstance(answer, (list, tuple)):
        _fail(f"{name} is a {type(answer).__name__}; use sp.Matrix for a vector or matrix answer.")
    if isinstance(answer, sp.MatrixBase):
        return sp.ImmutableMatrix(answer)
    if isinstance(answer, sp.core.relational.Relational) or (
        isinstance(answer, sp.logic.boolalg.Boolean) and not isinstance(answer, sp.Expr)
    ):
        _fail(
            f"{name} is an equation or a condition; give only the expression "
            "(the right-hand side)."
        )
    if isinstance(answer, FunctionClass):
        _fail(f"{name} is the function {answer} itself; apply it to an argument.")
    if not isinstance(answer, sp.Expr):
        _fail(f"{name} is a {type(answer).__name__}; it should be a sympy expression ({hint}).")
    return answer


def _entries(expr: sp.Basic) -> list[sp.Expr]:
    return list(expr) if isinstance(expr, sp.MatrixBase) else [expr]


def _check_symbols(
    expr: sp.Basic, allowed: Mapping[str, sp.Symbol], name: str
) -> sp.Basic:
    """Rejects symbols not allowed; maps symbols named like allowed ones onto them."""
    rename = {}
    for sym in sorted(expr.free_symbols, key=lambda s: s.name):
        if sym.name not in allowed:
            names = ", ".join(sorted(allowed)) or "no symbols at all"
            _fail(f"{name} uses the symbol {sym.name}, which does not belong here; use only "
                  f"{names}.")
        if sym != allowed[sym.name]:  # same name, other assumptions: a re-declared symbol
            rename[sym] = allowed[sym.name]
    return expr.xreplace(rename) if rename else expr


def _check_functions(expr: sp.Basic, functions: Iterable[object] | None, name: str) -> None:
    if expr.has(sp.Derivative, sp.Integral, sp.Subs, sp.Limit):
        found = next(t for t in (sp.Derivative, sp.Integral, sp.Subs, sp.Limit) if expr.has(t))
        _fail(f"{name} holds an unevaluated {found.__name__}; work it out (or call .doit()).")
    if functions is None:
        return
    allowed = {_function_name(f) for f in functions}
    for applied in sorted(expr.atoms(sp.Function), key=str):
        fname = _function_name(applied.func)
        if fname not in allowed:
            uses = " and ".join(sorted(allowed)) if allowed else "no functions at all"
            _fail(f"{name} uses {fname}(...); here write it with {uses} (and +, -, *, /, **).")


def assert_expression(
    answer: object,
    symbols: Iterable[sp.Symbol],
    *,
    name: str,
    functions: Iterable[object] | None = None,
    shape: tuple[int, int] | None = None,
) -> sp.Basic:
    """Check that an answer is a sympy expression over the allowed symbols and functions.

    This is what a visible test may check without knowing the answer.

    Args:
        answer: the student's answer.
        symbols: the symbols it may use (matched by name, so a symbol re-declared with
            other assumptions is mapped onto the allowed one).
        name: what it is, for the message.
        functions: the functions it may apply (sympy classes such as ``sp.exp`` or
            undefined functions such as ``sp.Function("sigma")``, matched by name), or
            None to allow any.
        shape: the shape of a Matrix answer, or None for a scalar expression (a 1x1
            Matrix counts as a scalar).

    Returns:
        The answer as a sympy expression or ImmutableMatrix, its symbols renamed onto
        `symbols`.

    Raises:
        AssertionError: with a message saying what is wrong.
    """
    allowed = {s.name: s for s in symbols}
    expr = _as_sympy(answer, name, sorted(allowed))
    if isinstance(expr, sp.MatrixBase):
        if shape is None and expr.shape == (1, 1):
            expr = expr[0, 0]
        elif shape is None:
            _fail(f"{name} is a Matrix of shape {expr.shape}; a single expression is expected.")
        elif tuple(expr.shape) != tuple(shape):
            advice = " (a transpose missing?)" if tuple(expr.shape) == tuple(shape)[::-1] else ""
            _fail(f"{name} has shape {expr.shape}, expected {tuple(shape)}{advice}.")
    elif shape is not None:
        _fail(f"{name} is a single expression; a Matrix of shape {tuple(shape)} is expected.")
    for entry in _entries(expr):
        _check_functions(entry, functions, name)
    return _check_symbols(expr, allowed, name)


# ---------------------------------------------------------------------------
# Comparing with the reference
# ---------------------------------------------------------------------------


def _apply_definitions(expr: sp.Basic, define: Mapping[object, object] | None) -> sp.Basic:
    """Replaces placeholder symbols and undefined functions by what they stand for."""
    if not define:
        return expr
    symbols = {k: v for k, v in define.items() if not isinstance(k, FunctionClass)}
    if symbols:
        expr = expr.xreplace(symbols)  # one simultaneous pass: meanings use no placeholders
    for func, meaning in define.items():
        if isinstance(func, FunctionClass) and expr.has(func):
            expr = expr.replace(func, meaning)
    return expr.doit() if expr.has(sp.Derivative, sp.Subs) else expr


def _range_for(sym: sp.Symbol, domain: Domain | Mapping[str, Domain]) -> Domain:
    if isinstance(domain, Mapping):
        return tuple(domain.get(sym.name, domain.get("default", DEFAULT_DOMAIN)))
    return tuple(domain)


def _draw_points(
    variables: Sequence[sp.Symbol],
    domain: Domain | Mapping[str, Domain],
    count: int,
    seed: int,
    decimals: int,
) -> list[dict[sp.Symbol, float]]:
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(count):
        point = {}
        for sym in variables:
            lo, hi = _range_for(sym, domain)
            point[sym] = round(float(rng.uniform(lo, hi)), decimals)
        points.append(point)
    return points


def _format_point(point: Mapping[sp.Symbol, float]) -> str:
    if not point:
        return "every point"
    return ", ".join(f"{sym.name} = {value:g}" for sym, value in point.items())


def _evaluator(
    variables: Sequence[sp.Symbol], entries: Sequence[sp.Expr], name: str, whose: str
) -> Callable[..., list[complex]]:
    try:
        func = sp.lambdify(list(variables), list(entries), modules="numpy")
    except Exception as exc:  # lambdify raises many kinds of errors on odd input
        _fail(f"{name}: {whose} cannot be evaluated numerically ({type(exc).__name__}); "
              "does it use a function sympy cannot compute?")
    return func


def _evaluate(func: Callable[..., object], point: Mapping[sp.Symbol, float]) -> np.ndarray:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        values = func(*point.values())
    return np.array([complex(v) for v in np.ravel(np.array(values, dtype=object))])


def _close(actual: complex, expected: complex, rtol: float, atol: float) -> bool:
    if not (np.isfinite(actual) and np.isfinite(expected)):
        return False
    return abs(actual - expected) <= atol + rtol * abs(expected)


def _proved_zero(diff: sp.Expr) -> bool:
    """True when cheap canonical forms (or simplify, for small expressions) give 0."""
    if diff == 0:
        return True
    ops = sp.count_ops(diff)
    if ops > CANONICAL_MAX_OPS:
        return False
    attempts: list[Callable[[sp.Expr], sp.Expr]] = [
        lambda d: sp.cancel(sp.together(d)),
        lambda d: sp.cancel(sp.together(sp.expand(d.rewrite(sp.exp)))),
    ]
    if ops <= SIMPLIFY_MAX_OPS:
        attempts.append(sp.simplify)
    for attempt in attempts:
        try:
            if attempt(diff) == 0:
                return True
        except Exception:  # a canonical form that fails proves nothing
            continue
    return False


def _high_precision(
    func: Callable[..., object], point: Mapping[sp.Symbol, float]
) -> list[complex]:
    """Values of an mpmath-lambdified list of expressions at 50 significant digits."""
    with mpmath.workdps(HIGH_PRECISION_DIGITS):
        args = [mpmath.mpf(repr(value)) for value in point.values()]
        try:
            values = func(*args)
        except (ZeroDivisionError, ValueError, OverflowError):  # not a number there
            return [complex("nan")]
        return [complex(v) for v in values]


def _describe(name: str, index: int, shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return name
    i, j = divmod(index, shape[1])
    return f"{name}[{i}, {j}]"


def assert_equivalent(
    answer: object,
    expected: sp.Basic,
    symbols: Iterable[sp.Symbol],
    *,
    name: str,
    what: str = "expected expression",
    functions: Iterable[object] | None = None,
    define: Mapping[object, object] | None = None,
    domain: Domain | Mapping[str, Domain] = DEFAULT_DOMAIN,
    num_points: int = 12,
    seed: int = 0,
    rtol: float = 1e-8,
    atol: float = 1e-10,
) -> None:
    """Check that a sympy answer equals the reference as a function of its variables.

    The answer is first validated (`assert_expression`). Then both expressions get the
    `define` substitutions (placeholders such as ``sigma`` replaced by what they mean)
    and are compared:

    1. in float64 at `num_points` seeded random points (rounded to two decimals, so a
       message's point can be checked by hand); a mismatch fails at once;
    2. symbolically, by cheap canonical forms and, for small expressions, simplify;
       a proof of equality passes;
    3. otherwise, at 50 significant digits at fresh random points: any difference
       there fails (a float64 near-coincidence), none passes (a simplify miss).

    Args:
        answer: the student's sympy expression, or sympy Matrix.
        expected: the reference, an expression or Matrix over the same symbols.
        symbols: the symbols the answer may use.
        name: what the answer is, for the message (``"dsigma/du"``).
        what: how the message calls the reference (``"expected derivative"``).
        functions: functions the answer may apply (see `assert_expression`); None for any.
        define: placeholder -> meaning, applied to both sides before comparing: a Symbol
            to an expression (``{s1: sigma(w1 * x)}``) or an undefined function to a
            ``sp.Lambda`` (``{sigma: sp.Lambda(t, 1 / (1 + sp.exp(-t)))}``).
        domain: ``(low, high)`` for every variable, or a dict from symbol name to
            range, with an optional ``"default"`` entry.
        num_points: number of float64 evaluation points.
        seed: seed of the evaluation points.
        rtol: relative tolerance of the float64 comparison.
        atol: absolute tolerance of the float64 comparison.

    Raises:
        AssertionError: the answer is not a valid expression, or differs from the
            reference; the message gives a point where it differs, never the reference.
    """
    symbols = list(symbols)
    if not isinstance(expected, (sp.Expr, sp.MatrixBase)):
        raise TypeError("expected must be a sympy expression or Matrix")
    shape = tuple(expected.shape) if isinstance(expected, sp.MatrixBase) else None
    if shape == (1, 1):
        expected, shape = expected[0, 0], None
    answer_expr = assert_expression(answer, symbols, name=name, functions=functions, shape=shape)
    answer_entries = [_apply_definitions(e, define) for e in _entries(answer_expr)]
    expected_entries = [_apply_definitions(e, define) for e in _entries(expected)]

    free = set().union(*(e.free_symbols for e in answer_entries + expected_entries))
    variables = sorted(free, key=lambda s: s.name)
    f_answer = _evaluator(variables, answer_entries, name, "your expression")
    f_expected = _evaluator(variables, expected_entries, name, "the reference")

    # 1. float64 at random points where the reference is finite.
    checked = 0
    candidates = _draw_points(variables, domain, 5 * num_points, seed, decimals=2)
    for point in candidates:
        want = _evaluate(f_expected, point)
        if not np.all(np.isfinite(want)):
            continue
        try:
            got = _evaluate(f_answer, point)
        except Exception as exc:  # e.g. a function sympy does not know how to compute
            _fail(f"{name}: your expression cannot be evaluated at {_format_point(point)} "
                  f"({type(exc).__name__}: {exc}); does it use an unknown function?")
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            if not _close(g, w, rtol, atol):
                there = (f"your expression gives {g.real:.4g} there" if np.isfinite(g)
                         and abs(g.imag) < 1e-12 else "your expression is not a finite real "
                         "number there")
                _fail(f"{_describe(name, index, shape)} differs from the {what} at "
                      f"{_format_point(point)} ({there}).")
        checked += 1
        if checked == num_points:
            break
    if checked == 0:
        raise ValueError(f"{name}: the reference is not finite anywhere in the domain")

    # 2. a symbolic proof settles it.
    open_entries = [
        i for i, (a, e) in enumerate(zip(answer_entries, expected_entries, strict=True))
        if not _proved_zero(a - e)
    ]
    if not open_entries:
        return

    # 3. what simplify could not prove, 50 digits at fresh points decide.
    diffs = [answer_entries[i] - expected_entries[i] for i in open_entries]
    wants = [expected_entries[i] for i in open_entries]
    f_diff = sp.lambdify(variables, diffs, modules="mpmath")
    f_want = sp.lambdify(variables, wants, modules="mpmath")
    tried = 0
    for point in _draw_points(variables, domain, 4 * num_points, seed + 1, decimals=6):
        want = _high_precision(f_want, point)
        if not np.all(np.isfinite(want)):
            continue
        gaps = _high_precision(f_diff, point)
        for index, gap, value in zip(open_entries, gaps, want, strict=False):
            if not np.isfinite(gap) or abs(gap) > 1e-30 * max(1.0, abs(value)):
                _fail(f"{_describe(name, index, shape)} differs from the {what} at "
                      f"{_format_point(point)} (by a very small amount: a rounded constant?).")
        tried += 1
        if tried == max(2, num_points // 3):
            break


# ---------------------------------------------------------------------------
# One small case: a derivative at one point
# ---------------------------------------------------------------------------


def assert_derivative_at(
    answer: object,
    function: sp.Expr,
    wrt: sp.Symbol | sp.MatrixBase,
    point: Mapping[sp.Symbol, float],
    *,
    symbols: Iterable[sp.Symbol],
    name: str,
    what: str,
    functions: Iterable[object] | None = None,
    define: Mapping[object, object] | None = None,
    rtol: float = 1e-8,
    atol: float = 1e-12,
) -> None:
    """Check a derivative at one point against a centred difference of its function.

    This is what a visible test may check without knowing the answer: the question
    gives the function, the test differentiates it numerically at one point, and the
    answer must have the same value there. The answer is first validated
    (`assert_expression`); both sides get the `define` substitutions and are evaluated
    at `HIGH_PRECISION_DIGITS` significant digits.

    Args:
        answer: the student's derivative: a sympy expression, or a Matrix with the
            shape of `wrt` (a gradient).
        function: the scalar sympy expression being differentiated, over the symbols
            of `point` once `define` is applied.
        wrt: the Symbol the derivative is taken with respect to, or a Matrix of them.
        point: the point, one value per symbol the two sides use (after `define`).
        symbols: the symbols the answer may use.
        name: what the answer is, for the message (``"df_dw3"``).
        what: what is differentiated, for the message (``"f with respect to w3"``).
        functions: functions the answer may apply (see `assert_expression`).
        define: placeholder -> meaning, as in `assert_equivalent`.
        rtol: relative tolerance.
        atol: absolute tolerance.

    Raises:
        AssertionError: the answer is not a valid expression, cannot be evaluated at
            the point, or differs there from the centred difference; the message names
            the entry and gives the answer's own value, never the difference's.
        ValueError: `point` leaves a symbol of the function or of the answer unset.
    """
    shape = tuple(wrt.shape) if isinstance(wrt, sp.MatrixBase) else None
    answer_expr = assert_expression(answer, symbols, name=name, functions=functions,
                                    shape=shape)
    entries = [_apply_definitions(e, define) for e in _entries(answer_expr)]
    target = _apply_definitions(function, define)
    variables = list(point)
    unset = set().union(target.free_symbols, *(e.free_symbols for e in entries)) - set(point)
    if unset:
        raise ValueError(f"{name}: the point sets no value for "
                         f"{', '.join(sorted(s.name for s in unset))}")
    where = (f"at {_format_point(point)}" if len(point) <= 6
             else "at the point the test sets")
    try:
        f_answer = sp.lambdify(variables, entries, modules="mpmath")
    except Exception as exc:  # lambdify raises many kinds of errors on odd input
        _fail(f"{name}: your expression cannot be evaluated numerically "
              f"({type(exc).__name__}); does it use a function sympy cannot compute?")
    f_target = sp.lambdify(variables, target, modules="mpmath")
    with mpmath.workdps(HIGH_PRECISION_DIGITS):
        args = [mpmath.mpf(repr(float(value))) for value in point.values()]
        try:
            got = [complex(v) for v in f_answer(*args)]
        except Exception as exc:  # a division by zero, an unknown function, ...
            _fail(f"{name}: your expression cannot be evaluated {where} "
                  f"({type(exc).__name__}).")
        step = mpmath.mpf(DIFFERENCE_STEP)
        for index, sym in enumerate(_entries(wrt)):
            k = variables.index(sym)
            up, down = list(args), list(args)
            up[k] += step
            down[k] -= step
            want = complex((f_target(*up) - f_target(*down)) / (2 * step))
            g = got[index]
            ok = np.isfinite(g) and abs(g.imag) < 1e-12 and _close(g.real, want.real, rtol, atol)
            if not ok:
                there = (f"your expression gives {g.real:.4g} there" if np.isfinite(g)
                         and abs(g.imag) < 1e-12 else "your expression is not a finite real "
                         "number there")
                _fail(f"{_describe(name, index, shape)} does not match a centred difference "
                      f"of {what} {where} ({there}).")


# ---------------------------------------------------------------------------
# Computational graphs as data
# ---------------------------------------------------------------------------


def assert_graph_data(
    nodes: object, edges: object, *, name: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """Check that a graph is well-formed data: named nodes, edges between them, no cycle.

    This is what a visible test may check without knowing the answer.

    Args:
        nodes: a list of node names (strings), each listed once.
        edges: a list of ``(source, target)`` pairs of listed nodes.
        name: what the graph is, for the message.

    Returns:
        The nodes and the edges, as lists.

    Raises:
        AssertionError: with a message saying what is malformed.
    """
    if nodes is None or edges is None:
        _fail(f"{name}: the nodes or the edges are None; give both as lists.")
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Iterable):
        _fail(f"{name}: the nodes should be a list of names (strings).")
    node_list = list(nodes)  # type: ignore[arg-type]
    for node in node_list:
        if not isinstance(node, str):
            _fail(f"{name}: every node should be a name (a string), found {node!r}.")
    seen: set[str] = set()
    for node in node_list:
        if node in seen:
            _fail(f"{name}: the node {node!r} is listed twice.")
        seen.add(node)
    if isinstance(edges, (str, bytes)) or not isinstance(edges, Iterable):
        _fail(f"{name}: the edges should be a list of (source, target) pairs.")
    edge_list: list[tuple[str, str]] = []
    for edge in edges:  # type: ignore[union-attr]
        if not isinstance(edge, (tuple, list)) or len(edge) != 2:
            _fail(f"{name}: every edge should be a (source, target) pair, found {edge!r}.")
        src, dst = edge
        for end in (src, dst):
            if end not in seen:
                _fail(f"{name}: the edge {src!r} -> {dst!r} uses {end!r}, which is not a node.")
        if src == dst:
            _fail(f"{name}: the edge {src!r} -> {dst!r} is a loop.")
        if (src, dst) in edge_list:
            _fail(f"{name}: the edge {src!r} -> {dst!r} is listed twice.")
        edge_list.append((src, dst))
    try:
        topological_order(node_list, edge_list)
    except ValueError as exc:
        _fail(f"{name}: {exc}; a computational graph has none.")
    return node_list, edge_list


def assert_graph_connects(
    nodes: object,
    edges: object,
    *,
    inputs: Sequence[str],
    output: str,
    name: str,
) -> None:
    """Check that a graph computes `output` from `inputs`, without knowing the reference.

    This is what a visible test may check of a graph: it is well-formed data
    (`assert_graph_data`), nothing points into an input, every input leads to the
    output, and every other node lies on a path from an input to the output (it is
    computed from the inputs and used on the way to the output). A graph with an edge
    missing or misplaced can still pass; `assert_graph` decides.

    Args:
        nodes: the student's node names.
        edges: the student's ``(source, target)`` edges.
        inputs: the nodes nothing computes (data, weights, targets).
        output: the node everything is computed for.
        name: what the graph is, for the message.

    Raises:
        AssertionError: the graph is malformed, or a node is cut off from the inputs or
            from the output; the message names the node.
    """
    node_list, edge_list = assert_graph_data(nodes, edges, name=name)
    for node in (*inputs, output):
        if node not in node_list:
            _fail(f"{name} has no node {node!r}.")
    for src, dst in edge_list:
        if dst in inputs:
            _fail(f"{name}: the edge {src!r} -> {dst!r} points into {dst!r}, which is an "
                  "input: nothing computes it.")

    def reached(start: Iterable[str], forward: bool) -> set[str]:
        seen, todo = set(start), list(start)
        while todo:
            node = todo.pop()
            for src, dst in edge_list:
                nxt = dst if forward else src
                if (src if forward else dst) == node and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for node in inputs:
        if output not in reached([node], forward=True):
            _fail(f"{name}: no path leads from {node!r} to {output!r}, yet {output!r} "
                  f"depends on {node!r}.")
    from_inputs, to_output = reached(inputs, forward=True), reached([output], forward=False)
    for node in topological_order(node_list, edge_list):
        if node in inputs or node == output:
            continue
        if node not in from_inputs:
            _fail(f"{name}: no path leads from an input to {node!r}; every intermediate "
                  "result is computed from the inputs.")
        if node not in to_output:
            _fail(f"{name}: no path leads from {node!r} to {output!r}; every intermediate "
                  f"result is used on the way to {output!r}.")


def assert_graph(
    nodes: object,
    edges: object,
    expected_nodes: Sequence[str],
    expected_edges: Sequence[tuple[str, str]],
    *,
    name: str,
) -> None:
    """Check a computational graph given as data against the expected structure.

    Node names are fixed by the question, so they are compared as given. The message
    names the first node (in the order of the computation) whose inputs are wrong and
    says whether an input is missing or one does not belong, never which.

    Args:
        nodes: the student's node names.
        edges: the student's ``(source, target)`` edges; an edge means "the source is
            an input of the target".
        expected_nodes: the nodes the question asks for.
        expected_edges: the edges of the reference graph.
        name: what the graph is, for the message.

    Raises:
        AssertionError: the graph is malformed, has a cycle, lacks or adds a node, or
            some node has the wrong inputs.
    """
    node_list, edge_list = assert_graph_data(nodes, edges, name=name)
    missing = [n for n in expected_nodes if n not in node_list]
    if missing:
        _fail(f"{name} has no node {missing[0]!r}.")
    extra = [n for n in node_list if n not in expected_nodes]
    if extra:
        _fail(f"{name} has a node {extra[0]!r} that the question does not ask for.")
    order = topological_order(list(expected_nodes), list(expected_edges))
    for node in order:
        want = {src for src, dst in expected_edges if dst == node}
        got = {src for src, dst in edge_list if dst == node}
        wrong = sorted(got - want)
        if wrong:
            _fail(f"{name}: {wrong[0]!r} -> {node!r} is not a step of this computation "
                  f"({node!r} does not take {wrong[0]!r} as a direct input).")
        if want - got:
            kind = "an input" if len(want - got) == 1 else "inputs"
            _fail(f"{name}: node {node!r} is missing {kind}: {node!r} is computed from "
                  f"{len(want)} direct input(s), your graph gives it {len(got)}.")


# ---------------------------------------------------------------------------
# Exact whole numbers: sizes and counts
# ---------------------------------------------------------------------------


def _as_int(value: object, label: str) -> int:
    if value is None:
        _fail(f"{label} is None: assign a whole number to it.")
    if isinstance(value, (bool, np.bool_)):
        _fail(f"{label} is a bool; a whole number is expected.")
    if isinstance(value, sp.Integer):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if not isinstance(value, (int, np.integer)):
        _fail(f"{label} is a {type(value).__name__}; a whole number (int) is expected.")
    return int(value)  # type: ignore[arg-type]


def assert_integers(
    answer: object, expected: int | Sequence[int], *, name: str, hint: str | None = None
) -> None:
    """Check a whole number, or a tuple of them (a shape), for exact equality.

    The message says which entry is wrong, not by how much: for counts, the size of
    the error would give the answer away.

    Args:
        answer: the student's number, or tuple/list of numbers (integral floats and
            numpy integers are accepted).
        expected: the reference number or tuple.
        name: what it is, for the message.
        hint: optional advice appended when the value is wrong (not the format).

    Raises:
        AssertionError: on a wrong type, length or value.
    """
    advice = f" Hint: {hint}" if hint else ""
    if isinstance(expected, (int, np.integer)):
        if _as_int(answer, name) != int(expected):
            _fail(f"{name} is not the expected value.{advice}")
        return
    expected = [int(e) for e in expected]
    if isinstance(answer, np.ndarray):
        answer = answer.tolist()
    if not isinstance(answer, (tuple, list)):
        _fail(f"{name} should be a tuple of {len(expected)} whole numbers, got "
              f"{type(answer).__name__}.")
    if len(answer) != len(expected):  # type: ignore[arg-type]
        _fail(f"{name} should have {len(expected)} entries, it has {len(answer)}.")  # type: ignore[arg-type]
    values = [_as_int(v, f"{name}[{i}]") for i, v in enumerate(answer)]  # type: ignore[arg-type]
    for i, (got, want) in enumerate(zip(values, expected, strict=True)):
        if got != want:
            _fail(f"{name}[{i}] is not the expected value.{advice}")


def assert_whole_numbers(
    answer: object, *, name: str, length: int | None = None
) -> int | tuple[int, ...]:
    """Check that an answer is a positive whole number, or a tuple of `length` of them.

    This is what a visible test may check of a size or a count without knowing it. The
    types `assert_integers` accepts pass here too (integral floats, numpy and sympy
    integers; a list for a tuple), so no answer fails here that the hidden test accepts.

    Args:
        answer: the student's number, or tuple of numbers (a shape).
        name: what it is, for the message.
        length: the number of entries of a tuple answer; None for a single number.

    Returns:
        The answer as an int, or as a tuple of ints.

    Raises:
        AssertionError: on a wrong type or length, or an entry that is not positive.
    """
    if length is None:
        value = _as_int(answer, name)
        if value <= 0:
            _fail(f"{name} should be a positive whole number.")
        return value
    if isinstance(answer, np.ndarray):
        answer = answer.tolist()
    if not isinstance(answer, (tuple, list)):
        _fail(f"{name} should be a tuple of {length} whole numbers, got "
              f"{type(answer).__name__}.")
    if len(answer) != length:  # type: ignore[arg-type]
        _fail(f"{name} should have {length} entries, it has {len(answer)}.")  # type: ignore[arg-type]
    values = tuple(_as_int(v, f"{name}[{i}]") for i, v in enumerate(answer))  # type: ignore[arg-type]
    for i, value in enumerate(values):
        if value <= 0:
            _fail(f"{name}[{i}] should be a positive whole number.")
    return values
