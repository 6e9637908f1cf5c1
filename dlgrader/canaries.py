"""Canary cells: evidence that a submission tampered with how its tests are judged.

A test cell earns its points when it runs without an error. Code in a submission runs in
the same kernel as the tests, so it can make failing tests look passed: replace
``numpy.testing.assert_allclose`` or ``dlcourse.checks.assert_close`` with no-ops,
register an IPython hook that clears errors, wrap ``run_cell``, silence tracebacks.
No in-kernel defence can forbid that; a canary detects it.

`InsertCanaries` puts a canary cell after every autograded test cell before the notebook
runs. A canary calls each assertion helper a test may use on inputs that must fail, and
then raises an error carrying a token drawn for this grading. After the run,
`CheckCanaries` requires of each canary an error output with exactly that token and no
helper named in it; anything else (no error shown, a helper that did not fail, another
error) is recorded as tampering, with the test cell it followed. It then removes the
canaries, so that scores and feedback never see them. The instructor sees the flag in
the score table and in grades.csv.

What a canary cannot see: tampering that recognises canaries and spares them (they are
generated per grading, but a determined student can read a cell's code before it runs).
That is why a flag, not the score, is the verdict on such a submission.
"""

from __future__ import annotations

import json
import secrets

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode, default

CANARY_KEY = "dlgrader_canary"
# name -> code that must raise when the helper is intact (run inside the canary).
PROBES = {
    "numpy.testing.assert_allclose":
        "numpy.testing.assert_allclose(numpy.zeros(3), numpy.ones(3))",
    "numpy.testing.assert_array_equal":
        "numpy.testing.assert_array_equal(numpy.zeros(3), numpy.ones(3))",
    "numpy.allclose": "assert numpy.allclose(numpy.zeros(3), numpy.ones(3))",
    "numpy.isclose": "assert numpy.isclose(numpy.zeros(3), numpy.ones(3)).all()",
    "numpy.array_equal": "assert numpy.array_equal(numpy.zeros(3), numpy.ones(3))",
    "dlcourse.checks.assert_true": "checks.assert_true(False, 'canary')",
    "dlcourse.checks.assert_close":
        "checks.assert_close(numpy.zeros(3), numpy.ones(3), name='canary')",
    "dlcourse.checks.assert_finite":
        "checks.assert_finite(numpy.array([numpy.nan]), name='canary')",
    "dlcourse.checks.assert_shape": "checks.assert_shape(numpy.zeros(3), (4,), name='canary')",
    "dlcourse.checks.assert_is_array": "checks.assert_is_array('canary', name='canary')",
    "dlcourse.checks.assert_scalar": "checks.assert_scalar(numpy.zeros(3), name='canary')",
    "dlcourse.checks.assert_gradient":
        "checks.assert_gradient(lambda x: (x ** 2).sum(), numpy.ones(3), numpy.zeros(3), "
        "name='canary')",
    "dlcourse.checks.assert_inputs_unchanged":
        "checks.assert_inputs_unchanged(lambda a: a.fill(1), numpy.zeros(3), name='canary')",
    "torch.allclose": "assert torch.allclose(torch.zeros(3), torch.ones(3))",
    "torch.testing.assert_close": "torch.testing.assert_close(torch.zeros(3), torch.ones(3))",
    # dlcourse.symbolic's helpers, once a notebook has imported it (with sympy)
    "dlcourse.symbolic.assert_integers": "symbolic.assert_integers(3, 4, name='canary')",
    "dlcourse.symbolic.assert_whole_numbers": "symbolic.assert_whole_numbers(-1, name='canary')",
    "dlcourse.symbolic.assert_graph_data":
        "symbolic.assert_graph_data('canary', [], name='canary')",
    "dlcourse.symbolic.assert_graph":
        "symbolic.assert_graph(['a'], [], ['b'], [], name='canary')",
    "dlcourse.symbolic.assert_graph_connects":
        "symbolic.assert_graph_connects(['a', 'b'], [], inputs=['a'], output='b', "
        "name='canary')",
    "dlcourse.symbolic.assert_expression":
        "symbolic.assert_expression(object(), [], name='canary')",
    "dlcourse.symbolic.assert_equivalent":
        "symbolic.assert_equivalent(sympy.Integer(1), sympy.Integer(2), [], name='canary')",
    "dlcourse.symbolic.assert_derivative_at":
        "symbolic.assert_derivative_at(sympy.Integer(0), sympy.Symbol('x') ** 2, "
        "sympy.Symbol('x'), {sympy.Symbol('x'): 1.0}, symbols=[sympy.Symbol('x')], "
        "name='canary', what='canary')",
}


def canary_source(token: str) -> str:
    """The code of a canary cell: probes every helper, then raises with ``token``.

    The canary leaves no name behind in the notebook's namespace; torch and
    dlcourse.symbolic are probed only when the notebook imported them (importing them
    costs a second or more).
    """
    name = f"_dlgrader_canary_{token}"
    probes = []
    for i, (helper, code) in enumerate(PROBES.items()):
        probes += [f"    def probe_{i}():", f"        {code}",
                   f"    probes[{helper!r}] = probe_{i}"]
    body = "\n".join(probes)
    return f'''def {name}():
    import sys
    import numpy
    from dlcourse import checks
    torch = sys.modules.get("torch")
    symbolic = sys.modules.get("dlcourse.symbolic")
    sympy = sys.modules.get("sympy")
    absent = [prefix for prefix, module in
              (("torch", torch), ("dlcourse.symbolic", symbolic)) if module is None]
    probes = {{}}
{body}
    held = []
    for helper, probe in probes.items():
        if any(helper.startswith(prefix + ".") for prefix in absent):
            continue
        try:
            probe()
        except Exception:
            continue
        held.append(helper)
    raise RuntimeError("dlgrader-canary {token} " + ",".join(held))
try:
    {name}()
finally:
    del {name}'''


class _AlwaysOn(Preprocessor):
    """A preprocessor that runs once registered (nbconvert's default is off)."""

    @default("enabled")
    def _enabled_default(self) -> bool:
        return True


class InsertCanaries(_AlwaysOn):
    """Adds a canary cell after every autograded test cell (see the module)."""

    token = Unicode("", help="The token of this grading; empty: a new random one.").tag(
        config=True)

    def preprocess(self, nb, resources):
        token = self.token or secrets.token_hex(8)
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                canary = nbformat.v4.new_code_cell(canary_source(token))
                canary.metadata[CANARY_KEY] = {"token": token, "after": meta.get("grade_id")}
                cells.append(canary)
        nb.cells = cells
        return nb, resources


def verdict(cell: nbformat.NotebookNode) -> str:
    """What an executed canary says: "" when the machinery is intact, else what is wrong."""
    meta = cell.metadata[CANARY_KEY]
    after = meta["after"]
    if cell.get("execution_count") is None:
        return ""  # never ran: the kernel died before it, which is reported as a failure
    errors = [out for out in cell.outputs if out.output_type == "error"]
    expected = f"dlgrader-canary {meta['token']} "
    if not errors:
        return f"after {after}: an error was hidden (IPython hooks or execution patched)"
    if errors[0].ename != "RuntimeError" or not errors[0].evalue.startswith(expected):
        return f"after {after}: the canary's error was changed ({errors[0].ename})"
    held = errors[0].evalue[len(expected):]
    return f"after {after}: {held} did not fail" if held else ""


class CheckCanaries(_AlwaysOn):
    """Reads every canary's verdict, writes the findings to ``report_path`` (JSON list
    of strings, empty when nothing was found), and removes the canaries."""

    report_path = Unicode("", help="Where to write the findings.").tag(config=True)

    def preprocess(self, nb, resources):
        findings = [v for cell in nb.cells if CANARY_KEY in cell.metadata
                    if (v := verdict(cell))]
        nb.cells = [cell for cell in nb.cells if CANARY_KEY not in cell.metadata]
        if self.report_path:
            with open(self.report_path, "w") as report:
                json.dump(findings, report)
        return nb, resources
