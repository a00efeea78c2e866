"""The exceptions bleak's BlueZ backend raises, for the same failures.

An ATT Error Response reaches a bleak app on Linux as the D-Bus error
bluetoothd makes of it (src/gatt-client.c, create_gatt_dbus_error), which
bleak raises as BleakDBusError(name, [message]).  The table below is
that function; link/bluez.py maps the same errors back to ATT codes.
"""

from bleak.exc import BleakDBusError, BleakError

from ..protocol.att import ErrorCode

_BLUEZ = "org.bluez.Error."

# ATT error -> (BlueZ error name, message), as bluetoothd 5.66 builds them.
_BY_CODE = {
    ErrorCode.READ_NOT_PERMITTED: ("NotPermitted", "Read not permitted"),
    ErrorCode.WRITE_NOT_PERMITTED: ("NotPermitted", "Write not permitted"),
    ErrorCode.INSUFFICIENT_AUTHENTICATION: ("NotPermitted", "Not paired"),
    0x0F: ("NotPermitted", "Not paired"),   # Insufficient Encryption
    0x0C: ("NotPermitted", "Not paired"),   # ... Encryption Key Size
    ErrorCode.INVALID_OFFSET: ("InvalidArguments", "Invalid offset"),
    ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH: ("InvalidArguments",
                                               "Invalid Length"),
    ErrorCode.INSUFFICIENT_AUTHORIZATION: ("NotAuthorized",
                                           "Operation Not Authorized"),
    ErrorCode.REQUEST_NOT_SUPPORTED: ("NotSupported",
                                      "Operation is not supported"),
}


def bluez_error(name: str, message: str) -> BleakDBusError:
    return BleakDBusError(_BLUEZ + name, [message])


def att_error(code: int) -> BleakDBusError:
    """What bleak on BlueZ raises when the band answers code."""
    name, message = _BY_CODE.get(
        code, ("Failed", f"Operation failed with ATT error: 0x{code:02x}"))
    return bluez_error(name, message)


def link_lost() -> BleakDBusError:
    """An operation the link's end cut short: bluetoothd completes it
    with no ATT code ("Operation failed")."""
    return bluez_error("Failed", "Operation failed")


def not_connected() -> BleakError:
    return BleakError("Not connected")


# A bonded link whose encryption fails, as bluetoothd answers Connect:
# src/error.c's btd_error_le_errno strings.  The kernel ends the link
# with EBADE for PIN or Key Missing (the band lost the bond: the ghost
# pairing), and the band ends it after a MIC failure (another key).
_LE_CONNECT = {
    0x06: "le-connection-key-missing",
    0x3D: "le-connection-abort-by-remote",
}


def encryption_failed(status: int) -> BleakDBusError:
    return bluez_error("Failed",
                       _LE_CONNECT.get(status, "le-connection-unknown"))


def pairing_failed(status: int) -> BleakDBusError:
    """Device1.Pair's reply to a failed pairing: the kernel reports
    every SMP failure as an authentication failure, which bluetoothd's
    new_authentication_return (src/device.c) names so."""
    del status      # one name for every SMP reason, as on BlueZ
    return bluez_error("AuthenticationFailed", "Authentication Failed")
