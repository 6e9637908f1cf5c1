"""Helpers that the course notebooks import: data, checks, gradient checks, plots.

Nothing here is a solution to an assignment, nothing happens on import, and nothing
here imports the instructor side (`dlgrader`).
"""
