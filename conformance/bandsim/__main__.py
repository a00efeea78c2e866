"""Command line for people: ``python3 -m bandsim COMMAND ...``.

discover, scan, pair, sync, update and watch against a band on the
emulator's socket (--socket PATH) or over BlueZ (--address MAC); see
``bandsim.tools.cli`` for the commands and their exit statuses.
"""

import sys

from .tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
