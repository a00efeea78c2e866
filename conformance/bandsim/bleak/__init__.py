"""A bleak backend over bandsim's socket transport: bleak programs talk
to emulated bands with no adapter, no BlueZ and no VM.

    from bleak import BleakClient, BleakScanner
    from bandsim.bleak import BandsimClient, BandsimScanner

    devices = await BleakScanner.discover(backend=BandsimScanner,
                                          band_dir="/tmp/shelf")
    async with BleakClient(devices[0], backend=BandsimClient) as c:
        print(await c.read_gatt_char("00000006-0000-3512-2118-0009af100700"))

``install()`` makes these bleak's defaults in this process, which is
what ``python3 -m bandsim.with_band`` does before it runs an unmodified
program.  scanner.py and bands.py: how bands are found and what they
advertise; client.py: the link; errors.py: bleak-on-BlueZ's exceptions;
docs/bleak.md: use and limits.

This subpackage sits beside ``clients`` in the layering: it imports
``protocol`` and ``link`` only.
"""

from .client import BandsimClient
from .scanner import BandsimScanner

__all__ = ["BandsimClient", "BandsimScanner", "install"]


def install() -> None:
    """Make BandsimClient and BandsimScanner bleak's default backends
    for this process (BleakClient(...) and BleakScanner(...) without
    backend=): bleak 0.20 asks get_platform_client_backend_type() and
    get_platform_scanner_backend_type() each time, under the names the
    bleak package imported them as."""
    import bleak
    import bleak.backends.client
    import bleak.backends.scanner

    def client_type():
        return BandsimClient

    def scanner_type():
        return BandsimScanner

    for module in (bleak, bleak.backends.client):
        module.get_platform_client_backend_type = client_type
    for module in (bleak, bleak.backends.scanner):
        module.get_platform_scanner_backend_type = scanner_type
