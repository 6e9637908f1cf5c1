"""Formulas that render offline, in formgrader and in feedback pages.

nbconvert's HTML templates, which formgrader's pages and nbgrader's feedback pages
extend, load MathJax from a CDN: offline, every formula shows as raw ``$...$``. The course
pins ``jupyter-server-mathjax``, which holds MathJax 2 and makes every Jupyter server
serve it, and replaces nbconvert's ``mathjax`` macro (``base/mathjax.html.j2``) with its
own, in `DATA_DIR`, which loads:

- in formgrader, the server's copy, ``<base_url>/static/jupyter_server_mathjax/``;
- in a feedback page ``feedback/<student>/<assignment>/<notebook>.html``, the copy that
  `install` puts in ``feedback/_mathjax/``. Hand the pages out with that folder beside
  them.

nbconvert looks a template up in the Jupyter data folders before its own, ``JUPYTER_PATH``
first; ``nbgrader_config.py`` calls `use_course_templates`, which puts `DATA_DIR` there,
in every process that loads it (the grading workers, the instructor's Jupyter server).
Neither nbgrader's exporter settings nor its template folders can do it: nbgrader sets
both itself, and nbconvert searches ``extra_template_paths`` after its own templates.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jupyter_server_mathjax

DATA_DIR = Path(__file__).resolve().parent / "jupyter_data"
"""A Jupyter data folder holding ``nbconvert/templates/base/mathjax.html.j2``."""
FOLDER_NAME = "_mathjax"
"""The folder of ``feedback/`` that holds MathJax for the feedback pages."""
SOURCE = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
# What the pages load (the package's files but its 40 translations): about 10 MB, once.
PARTS = ("MathJax.js", "LICENSE", "config", "extensions", "jax", "fonts")


def install(feedback_dir: Path) -> Path:
    """Copies MathJax into ``feedback_dir/_mathjax`` unless it is there already; returns
    that folder."""
    target = feedback_dir / FOLDER_NAME
    if (target / "MathJax.js").exists():
        return target
    partial = feedback_dir / f"{FOLDER_NAME}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    for part in PARTS:
        source = SOURCE / part
        if source.is_dir():
            shutil.copytree(source, partial / part)
        else:
            partial.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, partial / part)
    partial.rename(target)  # a page never finds a half-copied MathJax
    return target


def use_course_templates() -> None:
    """Puts `DATA_DIR` first on ``JUPYTER_PATH`` in this process (and its children)."""
    paths = [path for path in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if path]
    if str(DATA_DIR) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(DATA_DIR), *paths])
