"""Mutation testing of an assignment's tests: are they strong enough to catch small bugs?

A mutant is the reference solution of one solution cell with one small change of the
kind students make: an arithmetic or comparison operator swapped, a constant or an index
off by one, a statement dropped, an argument left out, an axis or a transposition
changed (`generate`). A mutant is *killed* when some test cell of the notebook fails on
it (it would lose points), and *survives* when every test passes: then either the tests
miss a real bug, or the mutant is equivalent to the reference (the same function written
differently). Equivalent mutants are kept as data, each with its reason, in
``grader_tests/mutants/<assignment>.toml`` and left out of the kill rate.

`run` executes the reference notebook once, in a forked child, to time its cells; then
it runs the cells again itself and, just before each solution cell, forks once per
mutant: the child starts from the kernel state the reference reached, runs the mutant
and every later cell, and reports the first test that failed. So no mutant pays for the
cells before its own. Children run one after another; the grading engine runs
assignments in parallel (``python -m dlcourse.cli mutate``).

A process that forks must not have started an OpenMP thread pool: a child that enters a
parallel region of the parent's pool (``torch.set_num_threads(2)``, then any parallel
torch operation) waits for threads that do not exist, until its timeout. That is why
the timing run happens in a child and the parent stops after the last mutated cell. A
mutant that times out counts as caught (the notebook would not finish), and the report
names every one, so that a hang of this kind cannot pass for a kill unnoticed.
"""

from __future__ import annotations

import ast
import copy
import difflib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from dlgrader import notebooks

EQUIVALENTS_DIR = notebooks.ROOT / "grader_tests" / "mutants"
ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
              ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
COMPARISON = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
              ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
              ast.In: ast.NotIn, ast.NotIn: ast.In}
BOOLEAN = {ast.And: ast.Or, ast.Or: ast.And}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Pow: "**", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
           ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not",
           ast.In: "in", ast.NotIn: "not in", ast.And: "and", ast.Or: "or"}
SMALLEST_CHANGED_FLOAT = 1e-4
"""Floats below this (epsilons, tolerances) are not mutated: doubling them rarely matters."""
KILLED, SURVIVED, TIMEOUT, CRASHED = "killed", "survived", "timeout", "crashed"


@dataclass(frozen=True)
class Mutant:
    """One changed version of a solution cell.

    Attributes:
        cell: grade_id of the solution cell.
        id: ``cell:line:column:operator``, stable while the cell's code stays the same.
        operator: the kind of change (arithmetic, comparison, boolean, sign, constant,
            index, axis, statement, argument).
        description: the change, for a person ("'+' -> '-'").
        original: the cell's reference code, normalised (``ast.unparse``).
        source: the mutated code, normalised the same way.
    """

    cell: str
    id: str
    operator: str
    description: str
    original: str
    source: str

    def diff(self) -> str:
        """The change as a unified diff of the normalised code."""
        lines = difflib.unified_diff(self.original.splitlines(), self.source.splitlines(),
                                     f"{self.cell} (reference)", f"{self.cell} ({self.id})",
                                     n=1, lineterm="")
        return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    """What the tests made of one mutant: ``status`` is killed, survived, timeout or
    crashed; ``test`` is the first test cell that failed and ``error`` its last line."""

    mutant: Mutant
    status: str
    test: str = ""
    error: str = ""

    @property
    def caught(self) -> bool:
        """The mutant would lose points: a test failed, or the notebook did not finish."""
        return self.status != SURVIVED


# --- generating mutants -------------------------------------------------------------------


def _solution_lines(source: str) -> tuple[str, set[int]]:
    """The cell's code without marker lines, and the (1-based) lines of that code that
    lie between the solution markers (all lines when the cell has no markers)."""
    code, inside, lines = [], False, set()
    has_markers = any(line.strip() == notebooks.SOLUTION_MARKERS[0]
                      for line in source.splitlines())
    for line in source.splitlines():
        if line.strip() in notebooks.SOLUTION_MARKERS:
            inside = line.strip() == notebooks.SOLUTION_MARKERS[0]
            continue
        code.append(line)
        if inside or not has_markers:
            lines.add(len(code))
    return "\n".join(code), lines


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Puts ``new`` where ``old`` is in ``tree``."""
    parent = _parents(tree)[old]
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
        elif isinstance(value, list) and any(item is old for item in value):
            value[[id(item) for item in value].index(id(old))] = new


def _in_subscript(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.Subscript) and node is parent.slice:
            return True
        if isinstance(parent, ast.stmt):
            return False
        node = parent
    return False


Change = Callable[[ast.AST, ast.AST], None]  # (the copied tree, the copied node) -> None


def _changes(node: ast.AST, parents: dict[ast.AST, ast.AST]
             ) -> Iterator[tuple[str, str, Change]]:
    """(operator, description, change) for every mutation of ``node`` itself."""
    if isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in ARITHMETIC:
        new_op = ARITHMETIC[type(node.op)]
        yield ("arithmetic", f"'{SYMBOLS[type(node.op)]}' -> '{SYMBOLS[new_op]}'",
               lambda tree, n: setattr(n, "op", new_op()))
    if isinstance(node, ast.BoolOp):
        new_op = BOOLEAN[type(node.op)]
        yield ("boolean", f"'{SYMBOLS[type(node.op)]}' -> '{SYMBOLS[new_op]}'",
               lambda tree, n: setattr(n, "op", new_op()))
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARISON:
                new_op = COMPARISON[type(op)]
                yield ("comparison", f"'{SYMBOLS[type(op)]}' -> '{SYMBOLS[new_op]}'",
                       lambda tree, n, i=i, new_op=new_op: n.ops.__setitem__(i, new_op()))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        what = "sign" if isinstance(node.op, ast.USub) else "boolean"
        yield (what, f"drop '{'-' if what == 'sign' else 'not'}'",
               lambda tree, n: _replace(tree, n, n.operand))
    if isinstance(node, ast.Constant) and not isinstance(node.value, str):
        yield from _constant_changes(node, parents)
    if isinstance(node, ast.Attribute) and node.attr == "T":
        yield "axis", "drop '.T'", lambda tree, n: _replace(tree, n, n.value)
    if isinstance(node, ast.Call):
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is not None and keyword.arg != "axis":
                yield ("argument", f"drop '{keyword.arg}='",
                       lambda tree, n, i=i: n.keywords.pop(i))
        if len(node.args) > 1 and not any(isinstance(a, ast.Starred) for a in node.args):
            yield ("argument", f"drop the last of {len(node.args)} arguments",
                   lambda tree, n: n.args.pop())
    if (isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
            or (isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant))):
        yield ("statement", f"delete '{ast.unparse(node).splitlines()[0][:60]}'",
               lambda tree, n: _replace(tree, n, ast.Pass()))


def _constant_changes(node: ast.Constant, parents: dict[ast.AST, ast.AST]
                      ) -> Iterator[tuple[str, str, Change]]:
    value = node.value
    parent = parents.get(node)
    if isinstance(parent, ast.keyword) and parent.arg == "axis" and isinstance(value, int):
        new = 1 if value == 0 else 0
        yield "axis", f"axis={value} -> axis={new}", lambda tree, n: setattr(n, "value", new)
        return
    if _is_inferred_size(node, parents):
        return
    if isinstance(value, bool):
        yield ("constant", f"{value} -> {not value}",
               lambda tree, n: setattr(n, "value", not value))
    elif isinstance(value, int):
        kind = "index" if _in_subscript(node, parents) else "constant"
        yield kind, f"{value} -> {value + 1}", lambda tree, n: setattr(n, "value", value + 1)
    elif isinstance(value, float) and abs(value) >= SMALLEST_CHANGED_FLOAT:
        yield ("constant", f"{value!r} -> {2 * value!r}",
               lambda tree, n: setattr(n, "value", 2 * value))


def _is_inferred_size(node: ast.Constant, parents: dict[ast.AST, ast.AST]) -> bool:
    """True for the 1 of ``-1`` among the arguments of ``reshape`` or ``view``: numpy and
    torch infer that size from any negative number, so -2 would be an equivalent mutant."""
    sign, call = parents.get(node), parents.get(parents.get(node))
    return (isinstance(sign, ast.UnaryOp) and isinstance(sign.op, ast.USub)
            and isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr in ("reshape", "view") and sign in call.args)


def generate(cell: str, source: str) -> list[Mutant]:
    """Every mutant of the solution part of one cell (between the solution markers).

    Args:
        cell: the cell's grade_id.
        source: the cell's text in the source notebook, markers included.

    Returns:
        The mutants, in the order of the code; none whose code equals another's.
    """
    code, editable = _solution_lines(source)
    tree = ast.parse(code)
    original = ast.unparse(tree)
    parents = _parents(tree)
    nodes = list(ast.walk(tree))
    mutants, seen = [], {original}
    for index, node in enumerate(nodes):
        first = getattr(node, "lineno", None)
        last = getattr(node, "end_lineno", first)
        if first is None or not set(range(first, last + 1)) <= editable:
            continue
        for operator, description, change in _changes(node, parents):
            mutated = copy.deepcopy(tree)
            change(mutated, list(ast.walk(mutated))[index])
            text = ast.unparse(ast.fix_missing_locations(mutated))
            if text in seen:
                continue
            seen.add(text)
            mutant_id = f"{cell}:{first}:{node.col_offset}:{operator}"
            if any(m.id == mutant_id for m in mutants):
                mutant_id += f":{sum(m.id.startswith(mutant_id) for m in mutants) + 1}"
            mutants.append(Mutant(cell, mutant_id, operator, description, original, text))
    return mutants


def load_equivalents(assignment: str, directory: Path = EQUIVALENTS_DIR) -> dict[str, str]:
    """Mutant id -> why it is equivalent to the reference, from the assignment's file."""
    path = directory / f"{assignment}.toml"
    if not path.exists():
        return {}
    return {entry["id"]: entry["why"]
            for entry in tomllib.loads(path.read_text()).get("equivalent", [])}


# --- running them ---------------------------------------------------------------------------


def _last_line(error: BaseException) -> str:
    return traceback.format_exception_only(error)[-1].strip()[:200]


def _run_rest(cells: list[tuple[str, str, bool]], namespace: dict) -> tuple[str, str]:
    """Runs (grade_id, code, is_test) cells in order; returns the first failed test and
    its error, or ("", "") when every test passed."""
    for cell_id, code, is_test in cells:
        try:
            exec(compile(code, f"<cell {cell_id}>", "exec"), namespace)
        except BaseException as error:  # SystemExit too: a test fails in any way
            if is_test:
                return cell_id, _last_line(error)
    return "", ""


def _in_child(work: Callable[[], dict], timeout: float | None = None) -> dict | None:
    """Forks; the child runs ``work`` from this process's state and sends back the dict it
    returns. Returns that dict, None if the child died without one, or {"timeout": True}
    (the child killed) when ``timeout`` seconds pass first."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report one JSON object, never return
        os.close(read_end)
        try:
            os.write(write_end, json.dumps(work()).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], timeout)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        os.waitpid(pid, 0)
        return {"timeout": True}
    data = b""
    while chunk := os.read(read_end, 65536):
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    return json.loads(data) if data else None


def _try_in_child(mutant: Mutant, rest: list[tuple[str, str, bool]], namespace: dict,
                  timeout: float) -> Outcome:
    """The child runs the mutant and ``rest`` from this process's state."""
    def work() -> dict:
        test, error = _run_rest([(mutant.cell, mutant.source, False), *rest], namespace)
        return {"status": KILLED if test else SURVIVED, "test": test, "error": error}

    report = _in_child(work, timeout)
    if report is None:
        return Outcome(mutant, CRASHED, error="the process died")
    if report.get("timeout"):
        return Outcome(mutant, TIMEOUT, error=f"over {timeout:.0f} s")
    return Outcome(mutant, **report)


def _timings(cells: list[tuple[str, str, bool, str]]) -> list[float]:
    """Seconds each cell takes on the reference, measured in a forked child so that this
    process starts no thread pool before it forks the mutants' children."""
    def work() -> dict:
        namespace: dict = {"__name__": "__main__"}
        seconds = []
        for cell_id, code, is_test, _ in cells:
            started = time.monotonic()
            test, error = _run_rest([(cell_id, code, is_test)], namespace)
            if test:
                return {"error": f"the reference fails {test}: {error}"}
            seconds.append(time.monotonic() - started)
        return {"seconds": seconds}

    report = _in_child(work)
    if report is None or "error" in report:
        raise RuntimeError(report["error"] if report else "the reference run died")
    return report["seconds"]


def _cells(assignment: str, source_dir: Path) -> list[tuple[str, str, bool, str]]:
    """(grade_id or position, code, is_test, source text) of each code cell, in order."""
    nb = notebooks.read(notebooks.notebook_path(assignment, source_dir))
    return [(notebooks.grade_id(cell) or f"cell{i}", notebooks.without_markers(cell.source),
             notebooks.is_test(cell), cell.source)
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]


def run(assignment: str, source_dir: Path, cells: list[str] | None = None,
        progress: Callable[[str], None] = lambda line: None) -> list[Outcome]:
    """Generates and tries every mutant of the assignment's solution cells.

    Runs in this process, in a copy of the assignment's source folder, and forks;
    call it in a process of its own (`main` does).

    Args:
        assignment: the assignment id.
        source_dir: the course's ``source/``.
        cells: grade_ids of the solution cells to mutate; None for all.
        progress: called with one line per solution cell when its mutants are done.
    """
    all_cells = _cells(assignment, source_dir)
    solutions = {notebooks.grade_id(c) for c in notebooks.read(
        notebooks.notebook_path(assignment, source_dir)).cells if notebooks.is_solution(c)}
    workdir = Path(tempfile.mkdtemp(prefix=f"mutate-{assignment}-"))
    shutil.copytree(source_dir / assignment, workdir, dirs_exist_ok=True)
    os.chdir(workdir)
    sys.path.insert(0, str(workdir))
    try:
        seconds = _timings(all_cells)
        mutated = [position for position, (cell_id, *_) in enumerate(all_cells)
                   if cell_id in solutions and (cells is None or cell_id in cells)]
        outcomes: list[Outcome] = []
        namespace: dict = {"__name__": "__main__"}
        for position, (cell_id, code, is_test, text) in enumerate(all_cells):
            if not mutated or position > mutated[-1]:
                break  # no more forks: the cells after the last mutated one need not run
            if position in mutated:
                rest = [(c, k, t) for c, k, t, _ in all_cells[position + 1:]]
                timeout = 10 + 3 * sum(seconds[position:])
                found = [_try_in_child(m, rest, namespace, timeout)
                         for m in generate(cell_id, text)]
                outcomes += found
                caught = sum(o.caught for o in found)
                progress(f"{assignment}: {cell_id}: {caught}/{len(found)} mutants caught")
            _run_rest([(cell_id, code, is_test)], namespace)
        return outcomes
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m dlgrader.mutants SOURCE_DIR ASSIGNMENT [CELL ...]``: writes the
    outcomes as JSON to stdout; progress lines go to stderr."""
    args = sys.argv[1:] if argv is None else argv
    source_dir, assignment, cells = Path(args[0]), args[1], args[2:] or None
    os.environ.setdefault("MPLBACKEND", "Agg")
    report = os.fdopen(os.dup(1), "w")
    log = os.fdopen(os.dup(2), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # what the notebook prints is not the report
    os.dup2(devnull, 2)
    outcomes = run(assignment, source_dir, cells, progress=lambda line: print(
        line, file=log, flush=True))
    json.dump([{**asdict(o), "mutant": asdict(o.mutant)} for o in outcomes], report)
    report.flush()
    return 0


def run_in_subprocess(source_dir: Path, assignment: str, threads: int = 1,
                      cells: list[str] | None = None) -> list[Outcome]:
    """`run` in a new Python process (it forks, which a process with threads, such as a
    Dask worker, must not do); its progress lines go to this process's stderr."""
    env = {**os.environ, **{name: str(threads) for name in (
        "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    result = subprocess.run(
        [sys.executable, "-m", "dlgrader.mutants", str(source_dir), assignment, *(cells or [])],
        stdout=subprocess.PIPE, text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"mutation testing of {assignment} failed (exit {result.returncode})")
    return [Outcome(**{**o, "mutant": Mutant(**o["mutant"])}) for o in json.loads(result.stdout)]


def report(assignment: str, outcomes: list[Outcome], equivalents: dict[str, str]) -> str:
    """The kill rate per solution cell and in total, then every surviving mutant that is
    not listed as equivalent, as a diff."""
    lines = [f"## {assignment}", "",
             "| cell | mutants | caught | equivalent | survived | kill rate |",
             "|---|---|---|---|---|---|"]
    rows: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        rows.setdefault(outcome.mutant.cell, []).append(outcome)
    for cell, found in [*rows.items(), ("total", outcomes)]:
        caught = sum(o.caught for o in found)
        equivalent = sum(not o.caught and o.mutant.id in equivalents for o in found)
        survived = len(found) - caught - equivalent
        rate = f"{caught / (caught + survived):.1%}" if caught + survived else "-"
        lines.append(f"| {cell} | {len(found)} | {caught} | {equivalent} | {survived} | {rate} |")
    timeouts = [o.mutant.id for o in outcomes if o.status == TIMEOUT]
    if timeouts:
        lines += ["", f"Timed out, counted as caught ({len(timeouts)}): {', '.join(timeouts)}"]
    stale = sorted(o.mutant.id for o in outcomes if o.caught and o.mutant.id in equivalents)
    if stale:
        lines += ["", f"Listed as equivalent but caught (fix the list): {', '.join(stale)}"]
    for outcome in outcomes:
        if not outcome.caught and outcome.mutant.id not in equivalents:
            lines += ["", f"survived: {outcome.mutant.id} ({outcome.mutant.description})",
                      "```diff", outcome.mutant.diff(), "```"]
    return "\n".join(lines)


def kill_rate(outcomes: list[Outcome], equivalents: dict[str, str]) -> float:
    """Caught mutants over all mutants but the equivalent ones (1.0 when none)."""
    counted = [o for o in outcomes if o.caught or o.mutant.id not in equivalents]
    return sum(o.caught for o in counted) / len(counted) if counted else 1.0


if __name__ == "__main__":
    sys.exit(main())
