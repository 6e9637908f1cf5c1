"""The instructor side of the course: grading engine, gradebook access, scenarios, CLI.

Student notebooks import `dlcourse` only; nothing in `dlcourse` imports this package
(its command line, ``python -m dlcourse.cli``, forwards here).
"""
