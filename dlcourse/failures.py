"""What a failed check shows: its message and the test cell's line, nothing else.

A plain `AssertionError` raised inside `dlcourse` shows a student some 25 lines of
library frames, with the file paths of the machine that ran them, before the one
message that matters, and the feedback page cuts long lines off. IPython prints an
exception's ``_render_traceback_()`` instead of its traceback when it has one, so
`CheckFailed` renders as::

    CheckFailed: relu_backward dx: 3 of 12 values differ; the largest error is 1 at
        index (0, 2), over the tolerance 1e-07.
    in the test cell, line 9

Outside IPython (pytest, a script) it is an ordinary `AssertionError`.
"""

from __future__ import annotations

import textwrap
import traceback
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
WIDTH = 88  # characters per line of the rendered message


class CheckFailed(AssertionError):
    """A check of `dlcourse.checks` or `dlcourse.symbolic` failed; ``str()`` is the message."""

    def _render_traceback_(self) -> list[str]:
        """The lines IPython shows in place of the traceback."""
        lines = textwrap.wrap(f"{type(self).__name__}: {self}", WIDTH,
                              subsequent_indent="    ", break_long_words=False)
        caller = _test_cell_line(self.__traceback__)
        return [*lines, caller] if caller else lines


def _test_cell_line(tb) -> str | None:
    """'in the test cell, line N' for the innermost frame outside this package.

    The line's code is left out: in a hidden test it could show how the expected value
    is computed.
    """
    outside = [frame for frame in traceback.extract_tb(tb)
               if PACKAGE_DIR not in Path(frame.filename).resolve().parents]
    if not outside:
        return None
    return f"in the test cell, line {outside[-1].lineno}"
