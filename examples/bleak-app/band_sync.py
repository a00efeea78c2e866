#!/usr/bin/env python3
"""Today's activity from a Mi Smart Band 4, with bleak.

    band_sync.py --key HEX        (or MIBAND_AUTH_KEY=HEX in the environment)

Scans for the band, authenticates with its Huami auth key (the 16-byte
key the Mi Fit / Zepp Life pairing left on it), reads the battery and
fetches today's activity: one 4-byte sample a minute (kind, intensity,
steps, heart rate).  The samples stay on the band (no ack).
"""

import argparse
import asyncio
import os
import struct
import sys

from bleak import BleakClient, BleakScanner
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NAME = "Mi Smart Band 4"
AUTH = "00000009-0000-3512-2118-0009af100700"
FETCH = "00000004-0000-3512-2118-0009af100700"
ACTIVITY = "00000005-0000-3512-2118-0009af100700"
BATTERY = "00000006-0000-3512-2118-0009af100700"
CURRENT_TIME = "00002a2b-0000-1000-8000-00805f9b34fb"
TIMEOUT = 10.0


async def expect(queue: asyncio.Queue, prefix: str, what: str) -> bytes:
    """The band's next reply on a command characteristic: 10 <cmd> 01 ..."""
    reply = await asyncio.wait_for(queue.get(), TIMEOUT)
    if not reply.startswith(bytes.fromhex(prefix)):
        sys.exit(f"{what} failed: the band answered {reply.hex(' ')}")
    return reply


async def authenticate(client: BleakClient, key: bytes) -> None:
    replies = asyncio.Queue()
    await client.start_notify(AUTH, lambda _, v: replies.put_nowait(bytes(v)))
    await client.write_gatt_char(AUTH, b"\x02\x00")            # a random number
    challenge = (await expect(replies, "10 02 01", "auth"))[3:19]
    aes = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    answer = aes.update(challenge) + aes.finalize()
    await client.write_gatt_char(AUTH, b"\x03\x00" + answer)   # encrypted
    await expect(replies, "10 03 01", "auth (is the key right?)")


async def fetch_today(client: BleakClient) -> list:
    now = await client.read_gatt_char(CURRENT_TIME)
    year, month, day = struct.unpack_from("<HBB", now)
    tz = struct.unpack_from("<b", now, 10)[0]
    replies, packets = asyncio.Queue(), []
    await client.start_notify(FETCH, lambda _, v: replies.put_nowait(bytes(v)))
    await client.start_notify(ACTIVITY, lambda _, v: packets.append(bytes(v)))
    since = struct.pack("<HBBBBBb", year, month, day, 0, 0, 0, tz)
    await client.write_gatt_char(FETCH, b"\x01\x01" + since)   # from midnight
    reply = await expect(replies, "10 01 01", "fetch")
    count = struct.unpack_from("<I", reply, 3)[0]
    if count:
        await client.write_gatt_char(FETCH, b"\x02")            # send it
        await expect(replies, "10 02 01", "fetch")
    # Each packet: a counter byte, then samples of 4 bytes.
    return [p[i:i + 4] for p in packets for i in range(1, len(p) - 3, 4)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", default=os.environ.get("MIBAND_AUTH_KEY"),
                        help="the band's auth key, 32 hex digits")
    args = parser.parse_args()
    if not args.key:
        parser.error("give the auth key: --key HEX or MIBAND_AUTH_KEY")
    key = bytes.fromhex(args.key.removeprefix("0x"))

    device = await BleakScanner.find_device_by_name(NAME, timeout=TIMEOUT)
    if device is None:
        sys.exit(f"no {NAME} found: is it near, and not linked to a phone?")
    print(f"found {device.name} at {device.address}")

    async with BleakClient(device) as client:
        await authenticate(client, key)
        print("authenticated")
        battery = await client.read_gatt_char(BATTERY)
        charging = " (charging)" if battery[2] else ""
        print(f"battery: {battery[1]}%{charging}")
        samples = await fetch_today(client)
        steps = sum(s[2] for s in samples)
        print(f"today: {len(samples)} minutes, {steps} steps")


if __name__ == "__main__":
    asyncio.run(main())
