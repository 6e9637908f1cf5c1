"""The student side (`dlcourse`) never imports the instructor side, and imports light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

STUDENT_MODULES = ["dlcourse", "dlcourse.checks", "dlcourse.data", "dlcourse.gradcheck",
                   "dlcourse.graphs", "dlcourse.images", "dlcourse.plots", "dlcourse.symbolic",
                   "dlcourse.sweep", "dlcourse.train"]
INSTRUCTOR_SIDE = ["dlgrader", "nbgrader", "distributed", "sqlalchemy"]
# What a module that does not need it must not drag in (seconds of import time each).
HEAVY = {"sympy": ["dlcourse.checks", "dlcourse.data", "dlcourse.gradcheck",
                   "dlcourse.graphs", "dlcourse.plots", "dlcourse.sweep", "dlcourse.train"],
         "torch": ["dlcourse.checks", "dlcourse.data", "dlcourse.gradcheck",
                   "dlcourse.graphs", "dlcourse.plots", "dlcourse.sweep", "dlcourse.train"]}


def _imported_by(module: str) -> set[str]:
    """The top-level packages in sys.modules after importing ``module`` in a new Python."""
    code = (f"import sys, json, {module}; "
            "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    return set(json.loads(output))


@pytest.mark.parametrize("module", STUDENT_MODULES)
def test_student_module_stays_on_the_student_side(module):
    """Importing a student-side module loads nothing of the instructor side."""
    imported = _imported_by(module)
    leaked = imported & set(INSTRUCTOR_SIDE)
    assert not leaked, f"{module} imports {sorted(leaked)}"
    for heavy, light_modules in HEAVY.items():
        if module in light_modules:
            assert heavy not in imported, f"{module} imports {heavy}"
