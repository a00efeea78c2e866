"""BleakScanner's backend: the bands under a directory, or named.

Every ADVERTISING_INTERVAL while scanning, each band that advertises
(bands.py: its socket listens) is reported to the detection callback
with its advertising data, as a BlueZ scanner reports each
advertisement it hears.  The BLEDevice's details hold the socket
("path"), so a BleakClient given the device connects to that band.
"""

import asyncio
from typing import List, Optional

from bleak.backends.scanner import AdvertisementData, BaseBleakScanner

from . import bands as bands_module
from .config import Where

# The profile's interval-ms: how often the band advertises.
ADVERTISING_INTERVAL = 0.5
# What a phone next to the band hears it at; there is no radio.
RSSI = -50


class BandsimScanner(BaseBleakScanner):
    """BaseBleakScanner over bandsim's socket transport.

    Keyword arguments besides bleak's (all optional; config.py has the
    environment variables that stand in for them): ``bands`` (socket
    paths), ``band_dir`` (a directory of sockets), ``control_address``
    (the bands' private control bus).  BlueZ's own (``bluez``,
    ``adapter``, ``scanning_mode``) are accepted and ignored.
    """

    def __init__(self, detection_callback=None,
                 service_uuids: Optional[List[str]] = None,
                 scanning_mode: str = "active", **kwargs):
        super().__init__(detection_callback, service_uuids)
        self.where = Where.from_kwargs(kwargs)
        self._task = None

    async def start(self) -> None:
        self.seen_devices = {}
        await self._pass()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def set_scanning_filter(self, **kwargs) -> None:
        if "UUIDs" in (kwargs.get("filters") or {}):
            self._service_uuids = [u.lower() for u in
                                   kwargs["filters"]["UUIDs"]]

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(ADVERTISING_INTERVAL)
            await self._pass()

    async def _pass(self) -> None:
        found = await asyncio.to_thread(
            bands_module.find, self.where.paths(),
            self.where.control_address)
        for band in found:
            self._report(band)

    def _report(self, band) -> None:
        fields = bands_module.advertisement_fields(band.data,
                                                   band.scan_response)
        if self._service_uuids and not set(self._service_uuids) & (
                set(fields["service_uuids"]) |
                set(fields["service_data"])):
            return
        details = {"path": band.path, "control": band.control,
                   "props": {"Address": band.address,
                             "Name": fields["local_name"]}}
        adv = AdvertisementData(rssi=RSSI, platform_data=(band.path, band),
                                **fields)
        device = self.create_or_update_device(
            band.address, fields["local_name"], details, adv)
        if self._callback is not None:
            self._callback(device, adv)


async def find_band(address: str, where: Where, timeout: float):
    """The BLEDevice with address among the bands of where, scanning
    for up to timeout seconds, or None (as
    BleakScanner.find_device_by_address)."""
    from bleak import BleakScanner
    return await BleakScanner.find_device_by_address(
        address, timeout=timeout, backend=BandsimScanner,
        bands=where.paths(), control_address=where.control_address)
