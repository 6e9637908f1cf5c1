"""nbgrader settings for the course (nbgrader 0.9.x).

Run nbgrader from the repository root: that folder is the course directory, holding
source/, release/, submitted/, autograded/ and feedback/.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "dlcourse"

# The gradebook: sqlite beside this file unless DLCOURSE_DB_URL names another
# database (any SQLAlchemy URL, e.g. postgresql://user@host/gradebook).
c.CourseDirectory.db_url = os.environ.get("DLCOURSE_DB_URL", "sqlite:///gradebook.db")

# Seconds one cell may run. nbgrader honours Execute.timeout, not
# ExecutePreprocessor.timeout (nbgrader issues #1004, #1463). The longest reference
# cell trains a network in well under a minute; five minutes leaves room for a slow
# laptop and still stops a submission stuck in a loop.
c.Execute.timeout = 300

# Autograde runs one notebook at a time, and its kernels inherit this environment: one
# BLAS and OpenMP thread unless the caller says otherwise, the setting `make test` runs
# and times every notebook in. hw3's numpy networks train faster on one BLAS thread than
# on two (bench/numpy_cnn_throughput.py); a notebook that wants more threads for torch
# asks for them (hw5's net_recipe).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# What a student finds in place of a solution: a stub that fails loudly.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError(\"replace this line with your code\")",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Stderr policy: nbgrader scores a graded cell 0 when it writes anything to stderr
# (nbgrader PR #1904), warnings included. The reference solutions write nothing to
# stderr, progress bars write to stdout (dlcourse.train.progress), and the grader
# tests check that the reference gets full marks on every cell.
