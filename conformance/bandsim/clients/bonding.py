"""A central that keeps LE bonds the way a phone's Bluetooth settings do,
over the socket transport's modelled link security (protocol/linksec.py).

Bonds are kept by the band's address, as Android and BlueZ keep them: a
band that comes back under the same address is offered the old key; a
factory-reset band, which draws a new address (protocol §10), is a new
device.  What a phone does when the band no longer knows its key (the
"ghost pairing") is ``reconnect``: encryption fails with PIN or Key
Missing, the phone drops the link and connects again, until the user
forgets the band (``forget``) and pairs anew.
"""

from dataclasses import dataclass, field
from typing import Dict, List

from ..link.sock import LinkSecurityError
from ..protocol.linksec import Status


@dataclass
class Phone:
    address: str
    random: bool = False
    bonds: Dict[str, bytes] = field(default_factory=dict)

    def open(self, band):
        """A link to band that names this central; not yet secured."""
        link = band.connect()
        try:
            link.identify(self.address, self.random)
        except BaseException:
            band.disconnect(link)
            raise
        return link

    def secure(self, link, band_address: str) -> str:
        """Encrypt with the bond for band_address, or pair and keep one:
        "encrypted" or "paired"."""
        ltk = self.bonds.get(band_address)
        if ltk is not None:
            link.encrypt(ltk)
            return "encrypted"
        self.bonds[band_address] = link.pair()
        return "paired"

    def bond(self, band, band_address: str) -> str:
        """A link of its own that pairs (or encrypts, with a bond kept
        already), then ends: "paired" or "encrypted"."""
        link = self.open(band)
        try:
            return self.secure(link, band_address)
        finally:
            band.disconnect(link)

    def forget(self, band_address: str) -> None:
        """What "Forget this device" in the phone's settings does."""
        self.bonds.pop(band_address, None)

    def reconnect(self, band, band_address: str, attempts: int) -> List[int]:
        """Connect and encrypt with the kept bond, as an app's
        auto-reconnect does, up to attempts times while it fails; the
        status of every attempt (Status.OK ends it)."""
        statuses = []
        for _ in range(attempts):
            link = self.open(band)
            try:
                link.encrypt(self.bonds[band_address])
                statuses.append(Status.OK)
                return statuses
            except LinkSecurityError as exc:
                statuses.append(exc.status)
            finally:
                band.disconnect(link)
        return statuses
