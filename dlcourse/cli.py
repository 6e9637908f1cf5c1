"""The instructor's command line, ``python -m dlcourse.cli``: see `dlgrader.cli`.

The instructor side lives in its own package, `dlgrader`, which nothing else in
`dlcourse` imports; this entry point only forwards to it.
"""

import sys

from dlgrader.cli import main

if __name__ == "__main__":
    sys.exit(main())
