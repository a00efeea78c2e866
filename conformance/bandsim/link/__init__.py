"""The link to a band (base.py: the Link contract and its errors):
the socket transport (sock.py), raw ATT over the air on an L2CAP socket
(l2cap.py), bleak on BlueZ (bluez.py), and connect(target) to open any
of them (target.py).  deadline.py is the shared
budget every waiting call of a link takes.

    from bandsim import link
    with link.connect("sock:/tmp/band.sock") as att: ...
"""

from .base import (AttClientError, AttError, Disconnected, Link,
                   LinkError, LinkUnavailable, ProtocolError, Timeout)
from .target import Target, connect, parse_target, set_recovery

__all__ = ["Link", "Target", "connect", "parse_target", "set_recovery",
           "AttClientError",
           "AttError", "Timeout", "Disconnected", "ProtocolError",
           "LinkError", "LinkUnavailable"]
