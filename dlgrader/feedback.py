"""What a student's feedback page shows: scores, messages and docstrings, not test code.

nbgrader's feedback is the autograded notebook as HTML. That notebook holds every hidden
test in full, marker comments included, so a page handed to one student would publish
the hidden tests to every later class. `FeedbackGrades` runs in place of nbgrader's
`GetGrades` and, besides the scores it copies from the gradebook:

- replaces each hidden-test block of a test cell with one comment line, and the
  traceback of its error (which IPython prints with lines of the test's code around
  the failing one) with the error's message; the cell's docstring (what the test
  checks), its points and the failure message stay. A failed `dlcourse.checks` check
  keeps its rendering, which shows no code;
- drops the rubrics (mark-scheme regions) that autograde restores for formgrader;
- marks each answer still waiting for a human grader, and opens the page with how many
  points wait, so that a written answer's provisional 0 is not read as a verdict.

After hand grading, ``python -m dlcourse.cli feedback`` writes the pages again.
"""

from __future__ import annotations

import re

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import GetGrades
from traitlets import Bool

# nbgrader's default delimiters (ClearHiddenTests.begin_test_delimeter and end_...).
HIDDEN_BLOCK = re.compile(
    r"^[ \t]*#+[ \t]*BEGIN HIDDEN TESTS.*?^[ \t]*#+[ \t]*END HIDDEN TESTS[^\n]*",
    re.MULTILINE | re.DOTALL,
)
HIDDEN_NOTE = "# (hidden test: its code is not shown)"
# nbgrader's ClearMarkScheme delimiters: the rubric of a written answer, restored by
# autograde for formgrader, is not the student's to read.
MARK_SCHEME_BLOCK = re.compile(
    r"\n?^[ \t]*#+[ \t]*BEGIN MARK SCHEME.*?^[ \t]*#+[ \t]*END MARK SCHEME[^\n]*",
    re.MULTILINE | re.DOTALL,
)
CHECK_FAILED = "CheckFailed"  # dlcourse.failures.CheckFailed, which renders no code
AWAITING_NOTE = "Awaiting hand grading: the score of this answer is not final yet."


def hide_hidden_tests(source: str) -> str:
    """``source`` with each hidden-test block replaced by `HIDDEN_NOTE`."""
    return HIDDEN_BLOCK.sub(HIDDEN_NOTE, source)


class FeedbackGrades(GetGrades):
    """nbgrader's `GetGrades`, hiding hidden tests' code and marking ungraded answers."""

    show_hidden_tests = Bool(
        False, help="Show the code of hidden tests in feedback (it is hidden by default)."
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        self.awaiting_points = 0.0
        nb, resources = super().preprocess(nb, resources)
        if self.awaiting_points:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(
                f"**{self.awaiting_points:g} points await hand grading.** The score above "
                "counts them as 0 until an instructor has graded the answers marked below."
            ))
        return nb, resources

    def _get_score(self, cell: NotebookNode, resources: ResourcesDict) -> None:
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"],
                                          self.notebook_id, self.assignment_id,
                                          self.student_id)
        if grade.needs_manual_grade and grade.manual_score is None:
            self.awaiting_points += grade.max_score
            note = f"**{AWAITING_NOTE}**" if cell.cell_type == "markdown" else f"# {AWAITING_NOTE}"
            cell.source = f"{note}\n\n{cell.source}"

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, cell_index: int):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        cell.source = MARK_SCHEME_BLOCK.sub("", cell.source)
        if (not self.show_hidden_tests and cell.cell_type == "code"
                and utils.is_grade(cell) and not utils.is_solution(cell)
                and HIDDEN_BLOCK.search(cell.source)):
            cell.source = hide_hidden_tests(cell.source)
            for output in cell.outputs:
                if output.output_type == "error" and output.ename != CHECK_FAILED:
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
