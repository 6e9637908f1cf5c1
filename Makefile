# The two set-up commands are `make demo` and `make test`; both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The course's own Python, installed as the "python3" kernel, runs every notebook.
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export JUPYTER_PLATFORM_DIRS := 1
export JUPYTER_PREFER_ENV_PATH := 1

.PHONY: demo test lab release bench mutate lint browser clean

$(INSTALLED): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (dlcourse)" >/dev/null
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/python -m dlcourse.cli demo

# Two workers, each running its notebooks on one thread; each assignment is graded once,
# by whichever worker gets to it first (conftest.py). nbval runs every source notebook
# top to bottom and fails on any error. The summary lists the 15 slowest tests.
test: $(INSTALLED) lint browser
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(BIN)/python -m pytest -n 2 --dist loadscope --durations=15 --nbval-lax \
		--nbval-current-env grader_tests source

# The browser tests (grader_tests/test_browser.py) drive Debian's chromium, headless,
# through its chromedriver (selenium). Installed here when missing and this runs as root
# with apt-get; otherwise those tests are skipped, and pytest's summary says why.
BROWSER_PACKAGES := chromium chromium-driver
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's $(BROWSER_PACKAGES) for the browser tests"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null || \
		{ apt-get update -qq && \
		  apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; } || \
		echo "could not install $(BROWSER_PACKAGES): the browser tests will be skipped"; \
	else \
		echo "$(BROWSER_PACKAGES) missing (install them as root): the browser tests will be skipped"; \
	fi

lint: $(INSTALLED)
	$(BIN)/ruff check dlcourse dlgrader grader_tests bench data

# Students work in workspace/, a copy of release/ that regenerating the release never
# touches: files it lacks are copied in, none is overwritten (dlcourse/workspace.py).
# Their JupyterLab shows nbgrader's Validate, not the instructor's tools
# (dlcourse/student_lab.py); instructors open formgrader with .venv/bin/jupyter lab.
lab: $(INSTALLED)
	$(BIN)/python -m dlcourse.student_lab

release: $(INSTALLED)
	$(BIN)/python -m dlcourse.cli release

bench: $(INSTALLED)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Mutation testing of every assignment's tests: kill rate per cell, survivors as diffs.
mutate: $(INSTALLED)
	$(BIN)/python -m dlcourse.cli mutate

clean:
	rm -rf autograded/*/ feedback submitted gradebook.db grades.csv class_report.html
