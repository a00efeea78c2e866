"""bleak's GATT objects for a band discovered over raw ATT.

Handles are what bleak's BlueZ backend shows, because an app written
against bleak on Linux has only ever seen those: a service's is its
first handle, a characteristic's its declaration (BlueZ names the
object ``charXXXX`` after it), a descriptor's its own.  As on BlueZ,
Generic Access and Generic Attribute stay with the stack and are not in
the collection (``STACK_SERVICES``).
"""

from typing import List, Union
from uuid import UUID

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.service import (BleakGATTService,
                                    BleakGATTServiceCollection)

from ..protocol import uuids

# BlueZ keeps these to itself (org.bluez.Device1 carries the name).
STACK_SERVICES = frozenset(uuids.normalize(u) for u in ("1800", "1801"))

# Characteristic properties (Core Vol 3 Part G 3.3.1.1) under the names
# BlueZ's Flags property gives them, which bleak passes on.
_PROPERTY_NAMES = (
    (0x01, "broadcast"),
    (0x02, "read"),
    (0x04, "write-without-response"),
    (0x08, "write"),
    (0x10, "notify"),
    (0x20, "indicate"),
    (0x40, "authenticated-signed-writes"),
    (0x80, "extended-properties"),
)


def property_names(properties: int) -> List[str]:
    return [name for bit, name in _PROPERTY_NAMES if properties & bit]


class BandService(BleakGATTService):
    """obj is the link's sock.Service."""

    def __init__(self, obj):
        super().__init__(obj)
        self._characteristics = []

    @property
    def handle(self) -> int:
        return self.obj.start

    @property
    def uuid(self) -> str:
        return self.obj.uuid

    @property
    def characteristics(self) -> List[BleakGATTCharacteristic]:
        return self._characteristics

    def add_characteristic(self, characteristic) -> None:
        self._characteristics.append(characteristic)


class BandCharacteristic(BleakGATTCharacteristic):
    """obj is the link's sock.Characteristic."""

    def __init__(self, obj, service: BandService, mtu: int):
        super().__init__(obj, mtu - 3)
        self._service = service
        self._descriptors = []

    @property
    def service_uuid(self) -> str:
        return self._service.uuid

    @property
    def service_handle(self) -> int:
        return self._service.handle

    @property
    def handle(self) -> int:
        return self.obj.declaration

    @property
    def value_handle(self) -> int:
        """The handle reads, writes and notifications name."""
        return self.obj.value_handle

    @property
    def uuid(self) -> str:
        return self.obj.uuid

    @property
    def properties(self) -> List[str]:
        return property_names(self.obj.properties)

    @property
    def descriptors(self) -> List[BleakGATTDescriptor]:
        return self._descriptors

    def get_descriptor(self, specifier: Union[int, str, UUID]):
        for descriptor in self._descriptors:
            if isinstance(specifier, int):
                if descriptor.handle == specifier:
                    return descriptor
            elif descriptor.uuid == uuids.normalize(str(specifier)):
                return descriptor
        return None

    def add_descriptor(self, descriptor) -> None:
        self._descriptors.append(descriptor)

    def cccd(self):
        """The Client Characteristic Configuration descriptor, or None."""
        return self.get_descriptor(uuids.sig(0x2902))


class BandDescriptor(BleakGATTDescriptor):
    """obj is the link's sock.Descriptor."""

    def __init__(self, obj, characteristic: BandCharacteristic):
        super().__init__(obj)
        self._characteristic = characteristic

    @property
    def characteristic_uuid(self) -> str:
        return self._characteristic.uuid

    @property
    def characteristic_handle(self) -> int:
        return self._characteristic.handle

    @property
    def uuid(self) -> str:
        return self.obj.uuid

    @property
    def handle(self) -> int:
        return self.obj.handle


def collection(services, mtu: int):
    """(BleakGATTServiceCollection of what BlueZ would export, the
    characteristics of the stack services by UUID) from the link's
    discovery (sock.AttClient.discover())."""
    found = BleakGATTServiceCollection()
    hidden = {}
    for service in services:
        bleak_service = BandService(service)
        stack = service.uuid in STACK_SERVICES
        if not stack:
            found.add_service(bleak_service)
        for char in service.characteristics:
            bleak_char = BandCharacteristic(char, bleak_service, mtu)
            if stack:
                hidden[char.uuid] = bleak_char
                for desc in char.descriptors:
                    bleak_char.add_descriptor(BandDescriptor(desc, bleak_char))
                continue
            # The collection adds each to its parent as well.
            found.add_characteristic(bleak_char)
            for desc in char.descriptors:
                found.add_descriptor(BandDescriptor(desc, bleak_char))
    return found, hidden
