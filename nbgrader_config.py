"""nbgrader settings for the course (nbgrader 0.9.x).

Run nbgrader from the repository root: that folder is the course directory, holding
source/, release/, submitted/, autograded/ and feedback/.
"""

import os
from pathlib import Path

from dlgrader import mathjax
from dlgrader.course import Course

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# The course's paths and grading settings come from one place: dlgrader.course.Course
# (defaults, course.toml, DLCOURSE_* environment variables). The gradebook is sqlite
# beside this file unless DLCOURSE_DB_URL names another database (any SQLAlchemy URL,
# e.g. postgresql+psycopg://user@host/gradebook).
course = Course.load(Path(__file__).resolve().parent)
c.CourseDirectory.root = str(course.root)
c.CourseDirectory.course_id = course.course_id
c.CourseDirectory.db_url = course.gradebook_url

# Seconds one cell may run. nbgrader honours Execute.timeout, not
# ExecutePreprocessor.timeout (nbgrader issues #1004, #1463). The longest reference
# cell trains a network in well under a minute; five minutes leaves room for a slow
# laptop and still stops a submission stuck in a loop.
c.Execute.timeout = 300

# Kernels inherit this environment: one BLAS and OpenMP thread each unless the caller
# says otherwise (Course.kernel_threads), the setting `make test` runs and times every
# notebook in. hw3's numpy networks train faster on one BLAS thread than on two
# (bench/numpy_cnn_throughput.py); a notebook that wants more threads for torch asks
# for them (hw5's net_recipe). The grading engine sets the same for its kernels.
for _variable, _value in course.kernel_environment().items():
    os.environ.setdefault(_variable, _value)

# What a student finds in place of a solution: a stub that fails loudly.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError(\"replace this line with your code\")",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Each written answer is followed by a read-only cell whose rubric sits between
# "### BEGIN MARK SCHEME" and "### END MARK SCHEME". The release drops the rubric;
# autograde restores the read-only cell from the gradebook, so formgrader shows the rubric
# under every student's answer; the feedback page drops it again (dlgrader.feedback).
# nbgrader expects mark schemes in "task" cells, which carry points of their own; these
# cells carry none (the answer cell holds the points), hence:
c.ClearMarkScheme.enforce_metadata = False

# formgrader's pages and the feedback pages load MathJax from the course's own copy, not
# from a CDN (dlgrader.mathjax).
mathjax.use_course_templates()

# Stderr policy: nbgrader scores a graded cell 0 when it writes anything to stderr
# (nbgrader PR #1904), warnings included. The reference solutions write nothing to
# stderr, progress bars write to stdout (dlcourse.train.progress), and the grader
# tests check that the reference gets full marks on every cell.
