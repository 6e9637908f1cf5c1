"""Helpers that the course notebooks import, and the instructor's command line.

Nothing here is a solution to an assignment, and nothing happens on import.
"""
