"""The backend's bonds: what BlueZ keeps under /var/lib/bluetooth.

bluetoothd keeps one directory per adapter and, in it, one per device
with an ``info`` file whose [LongTermKey] section holds the key a paired
LE device gave.  The backend keeps the same shape under its bond
directory, for the central it plays (``central_address``):

    <bond_dir>/<central address>/<band address>/info

so that a bond outlives the process, as it outlives a bleak program on
BlueZ, and a person can look at it or delete it.  A band is known by
its address, as BlueZ knows it: a factory-reset band draws a new one
(protocol §10) and is a new device.

    BANDSIM_BOND_DIR          where bonds are kept (default
                              $XDG_STATE_HOME/bandsim/bonds, or
                              ~/.local/state/bandsim/bonds)
    BANDSIM_CENTRAL_ADDRESS   the central's address (default: a random
                              static address made from /etc/machine-id
                              and the user, stable on this machine)
"""

import configparser
import hashlib
import os
import re
from pathlib import Path
from typing import Optional

from ..protocol.linksec import LTK_SIZE

ENV_BOND_DIR = "BANDSIM_BOND_DIR"
ENV_CENTRAL = "BANDSIM_CENTRAL_ADDRESS"
_SECTION = "LongTermKey"
_ADDRESS = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


def is_address(text: str) -> bool:
    return bool(_ADDRESS.match(text))


def default_bond_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or \
        os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "bandsim" / "bonds"


def default_central_address() -> str:
    """A random static address (top bits 11), the same for this machine
    and user every time, as an adapter's address is."""
    try:
        machine = Path("/etc/machine-id").read_text().strip()
    except OSError:
        machine = os.uname().nodename
    digest = bytearray(hashlib.sha256(
        f"{machine}:{os.getuid()}".encode()).digest()[:6])
    digest[0] |= 0xC0
    return ":".join(f"{b:02X}" for b in digest)


class BondStore:
    """The long-term keys one central keeps, by band address."""

    def __init__(self, bond_dir=None, central: Optional[str] = None):
        self.central = (central or os.environ.get(ENV_CENTRAL) or
                        default_central_address()).upper()
        if not is_address(self.central):
            raise ValueError(
                f"central address {self.central!r} is not a Bluetooth "
                f"address (six hex pairs joined by ':'): fix "
                f"central_address= or ${ENV_CENTRAL}")
        root = bond_dir or os.environ.get(ENV_BOND_DIR) or \
            default_bond_dir()
        self.root = Path(root) / self.central

    def _info(self, band: str) -> Path:
        return self.root / band.upper() / "info"

    def any(self) -> bool:
        try:
            return any(self.root.iterdir())
        except OSError:
            return False

    def get(self, band: str) -> Optional[bytes]:
        """The key of the bond with band, or None.  An info file that
        holds no key of the right size is no bond (a person's edit)."""
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(self._info(band), encoding="utf-8")
            key = bytes.fromhex(parser.get(_SECTION, "Key"))
        except (configparser.Error, ValueError, OSError):
            return None
        return key if len(key) == LTK_SIZE else None

    def put(self, band: str, key: bytes) -> None:
        """Keep the bond; the file is whole or absent after a crash."""
        path = self._info(band)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name("info.tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(f"[{_SECTION}]\nKey={key.hex().upper()}\n"
                      f"Authenticated=0\nEncSize={LTK_SIZE}\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    def remove(self, band: str) -> bool:
        """Forget the bond with band; whether there was one."""
        path = self._info(band)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        try:
            path.parent.rmdir()
        except OSError:
            pass
        return True
