"""Command line for people: ``python3 -m bandsim COMMAND ...``.

discover, scan, pair, sync, update and watch against a band on the
emulator's socket (--socket PATH) or over BlueZ (--address MAC); see
``bandsim.cli`` for the commands and their exit statuses.
"""

import sys

from .cli import build_parser, main  # noqa: F401
# The helpers discover used to define here, for anyone importing them.
from .cli.common import parse_key  # noqa: F401
from .cli.discover import (DECODERS, PROPS, TEXT_UUIDS, decode_battery,  # noqa: F401
                           decode_steps, decode_time, describe, discover,
                           props_text, uuid_text)

if __name__ == "__main__":
    sys.exit(main())
