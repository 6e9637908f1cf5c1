"""End to end, in a real browser with the network unreachable.

- A student opens a notebook in the workspace of `make lab`, writes a wrong answer, runs
  it and the visible test, reads the failure message, saves; the work survives a
  regenerated release (`dlcourse.student_lab`, `dlcourse.workspace`).
- An instructor opens a submission in formgrader, sees the rubric under the written
  answer, grades it, writes the feedback again and finds the score in the page.
- Formulas render in feedback pages and in formgrader (`dlgrader.mathjax`); a page made
  with nbconvert's own MathJax macro, which loads MathJax from a CDN, does not: the
  check can fail.

Headless Chromium (Debian's ``chromium`` and ``chromedriver``, driven by selenium;
`make test` installs them where it can) resolves no host name but 127.0.0.1. MathJax's
output elements show that a formula was typeset. Screenshots of every step are kept in
``.test-artifacts/browser/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from nbconvert import HTMLExporter
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dlcourse import student_lab, workspace
from dlgrader import cli, gradebook, notebooks

from . import tiny_course as tiny
from .jupyter_server import TOKEN, formgrader, running, server_options
from .postgres import free_port

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / ".test-artifacts" / "browser"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
TYPESET = re.compile(r'id="MathJax-Element-\d+-Frame"')


WRONG_ANSWER = "def add(a, b): return a - b"
FAILURE = "add(1, 2) is wrong"  # the visible test's message (also in its code)
INSTRUCTOR_TOOLS = {"Formgrader", "Create assignment"}  # entries of nbgrader's menu
WAIT = 90  # seconds a browser step may take on a loaded machine


@pytest.fixture(scope="module")
def browser() -> str:
    for name in BROWSERS:
        if path := shutil.which(name):
            return path
    pytest.skip("no Chromium: install Debian's chromium (`make test` does so when it runs "
                "as root with apt-get)")


@pytest.fixture(scope="module")
def driver(browser):
    chromedriver = shutil.which("chromedriver")
    if chromedriver is None:
        pytest.skip("no chromedriver: install Debian's chromium-driver (`make test` does so "
                    "when it runs as root with apt-get)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", OFFLINE,
                     "--window-size=1200,900"):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield chrome
    chrome.quit()


def until(condition: Callable[[], object], what: str, seconds: float = WAIT) -> object:
    """Waits until ``condition()`` is true; fails saying ``what`` did not happen."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.25)
    pytest.fail(f"{what} did not happen in {seconds} s")


def nbgrader_menu(chrome) -> set[str]:
    """The entries of JupyterLab's Nbgrader menu (opened, then closed again)."""
    heading = [item for item in chrome.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel")
               if item.text == "Nbgrader"]
    if not heading:
        return set()
    heading[0].click()
    entries = {item.text for item in chrome.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel")
               if item.text}
    ActionChains(chrome).send_keys(Keys.ESCAPE).perform()
    return entries


def chord(chrome, modifier: str, key: str) -> None:
    """Presses ``key`` with ``modifier`` held, where the focus is."""
    ActionChains(chrome).key_down(modifier).send_keys(key).key_up(modifier).perform()


def prompt(cell) -> str:
    """A code cell's input prompt: ``[ ]``, ``[*]`` while it runs, ``[n]`` once run."""
    return cell.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").text


def output_text(cell) -> str:
    """The text of a notebook cell's outputs in the page (not of its code)."""
    return "\n".join(output.text for output in
                     cell.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))


def saved_outputs(path: Path) -> str:
    """The text of every output saved in the notebook at ``path`` (not of its code)."""
    try:
        nb = notebooks.read(path)
    except (ValueError, OSError):  # the file is being written
        return ""
    return "\n".join(str(output) for cell in nb.cells if cell.cell_type == "code"
                     for output in cell.outputs)


def step(chrome, name: str) -> None:
    """Keeps a screenshot of the browser as it is now."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chrome.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def show(browser: str, url: str, screenshot: Path) -> str:
    """The page at ``url`` once its scripts have run, offline; saves a screenshot."""
    words = [browser, "--headless", "--no-sandbox", "--disable-gpu", OFFLINE,
             "--virtual-time-budget=15000", "--window-size=1100,800"]
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([*words, f"--screenshot={screenshot}", url], capture_output=True,
                   timeout=120, check=True)
    return subprocess.run([*words, "--dump-dom", url], capture_output=True, text=True,
                          timeout=120, check=True).stdout


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tiny.make_course(tmp_path_factory.mktemp("browser"), written_answer=True,
                              workers=1)
    tiny.hand_in(course, "alice", tiny.RIGHT, why="Because addition commutes.")
    assert cli.grade(course, [tiny.ASSIGNMENT]) == 0
    return course


def test_a_feedback_page_renders_formulas_offline(browser, course):
    page = course.feedback_dir / "alice" / tiny.ASSIGNMENT / "tiny.html"
    dom = show(browser, page.as_uri(), ARTIFACTS / "feedback.png")
    assert TYPESET.search(dom), "no formula was typeset"
    assert "Math Processing Error" not in dom
    assert tiny.FORMULA not in dom, "a formula is left as raw TeX"


def test_a_page_that_needs_the_network_does_not(browser, course, tmp_path):
    """nbconvert's stock page of the same notebook loads MathJax from a CDN: offline, its
    formula stays raw TeX. The check above can fail."""
    autograded = course.autograded_dir / "alice" / tiny.ASSIGNMENT / "tiny.ipynb"
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(
        notebooks.read(autograded))
    assert "cdnjs" in body
    page = tmp_path / "stock.html"
    page.write_text(body)
    dom = show(browser, page.as_uri(), ARTIFACTS / "stock-page-offline.png")
    assert not TYPESET.search(dom)
    assert tiny.FORMULA in dom


def test_formgrader_renders_formulas_offline(browser, course, tmp_path):
    notebook_id = tiny.notebook_id(course, "alice")
    with formgrader(course.root, tmp_path / "lab.log") as base:
        dom = show(browser, f"{base}/formgrader/submissions/{notebook_id}/?token={TOKEN}",
                   ARTIFACTS / "formgrader.png")
    assert "Because addition commutes." in dom, "not the submission's formgrader page"
    assert TYPESET.search(dom), "no formula was typeset"
    assert tiny.FORMULA not in dom


def test_a_student_works_in_the_lab_and_keeps_their_work(driver, course, tmp_path):
    folder = tmp_path / "workspace"
    workspace.sync(course.release_dir, folder)
    notebook = folder / tiny.ASSIGNMENT / "tiny.ipynb"
    port = free_port()
    words, environment = student_lab.prepare(folder, server_options(port),
                                             with_exchange=False)
    with running(words, environment, port, tmp_path / "lab.log") as base:
        driver.get(f"{base}/lab/tree/{tiny.ASSIGNMENT}/tiny.ipynb?token={TOKEN}")
        cells = until(lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[
            :3] if len(driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")) > 3
            else None, "the notebook opening")
        until(lambda: "Idle" in driver.find_element(By.CSS_SELECTOR, ".jp-StatusBar-Widget").text,
              "the kernel starting")
        step(driver, "student-1-opened")
        assert not nbgrader_menu(driver) & INSTRUCTOR_TOOLS, "an instructor's tool is offered"
        solution, visible_test = cells[1], cells[2]
        assert "NotImplementedError" in solution.text, "not the release's stub"
        solution.find_element(By.CSS_SELECTOR, ".cm-content").click()
        chord(driver, Keys.CONTROL, "a")
        ActionChains(driver).send_keys(WRONG_ANSWER).perform()
        chord(driver, Keys.SHIFT, Keys.ENTER)  # runs the answer
        until(lambda: "[1]" in prompt(solution), "the answer being run")
        visible_test.find_element(By.CSS_SELECTOR, ".cm-content").click()
        chord(driver, Keys.SHIFT, Keys.ENTER)
        until(lambda: FAILURE in output_text(visible_test),
              "the visible test's failure message showing")
        step(driver, "student-2-failing-test")
        chord(driver, Keys.CONTROL, "s")
        until(lambda: FAILURE in saved_outputs(notebook), "the notebook being saved")
        step(driver, "student-3-saved")
    saved = notebook.read_text()
    assert WRONG_ANSWER in saved

    cli.release(course, [tiny.ASSIGNMENT])  # make release
    result = workspace.sync(course.release_dir, folder)  # what make lab does first
    assert notebook.read_text() == saved
    assert Path(tiny.ASSIGNMENT, "tiny.ipynb") in result.kept


def test_an_instructor_grades_a_written_answer_in_formgrader(driver, browser, course,
                                                              tmp_path):
    notebook_id = tiny.notebook_id(course, "alice")

    def manual_score() -> float | None:
        with gradebook.open_gradebook(course) as book:
            return book.find_grade("why", tiny.ASSIGNMENT, tiny.ASSIGNMENT,
                                   "alice").manual_score

    with formgrader(course.root, tmp_path / "lab.log") as base:
        # Log in as an instructor does (formgrader's own requests need the login cookie).
        driver.get(f"{base}/login?next=/formgrader/submissions/{notebook_id}/")
        until(lambda: driver.find_elements(By.ID, "password_input"), "the login page")[
            0].send_keys(TOKEN, Keys.ENTER)
        score = until(lambda: driver.find_elements(By.ID, "why"), "the grading form")[0]
        page = driver.find_element(By.TAG_NAME, "body").text
        assert "Because addition commutes." in page
        assert tiny.RUBRIC in page, "the rubric is not shown beside the answer"
        step(driver, "instructor-1-formgrader")
        score.clear()
        score.send_keys("1.5", Keys.TAB)  # formgrader saves a score when it changes
        until(lambda: manual_score() == 1.5, "the hand grade being saved")
        step(driver, "instructor-2-graded")

    assert cli.feedback(course, [tiny.ASSIGNMENT]) == 0
    page = course.feedback_dir / "alice" / tiny.ASSIGNMENT / "tiny.html"
    dom = show(browser, page.as_uri(), ARTIFACTS / "instructor-3-feedback.png")
    assert "Score: 4.5 / 5.0" in dom
    assert "await hand grading" not in dom
    assert tiny.RUBRIC not in dom
