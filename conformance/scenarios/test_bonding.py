"""LE bonding: a phone pairs with the band (Just Works), the band keeps
the bond in its state directory, the phone encrypts again on every new
link, a factory reset forgets every bond, and the ghost pairing: a phone
whose bond the band no longer has is refused until it forgets the band
and pairs again (issue seeds: "not connecting", "pairing loops", GB
#1627's advice to remove the band from Android's Bluetooth settings).

Over the socket transport the link layer's part is the modelled
exchange of docs/socket-transport.md "Link security"; the band's side
(what it keeps, what it answers, its events) is the same code the l2cap
transport drives from the kernel's SMP.  Over the air (``--emu-bluez``
with ``--emu-transport l2cap``, the VM tier) the phone is bluetoothd on
the suite's adapter and the tablet bluetoothd on a third one
(bandsim/harness/airphone.py), the band's own ATT server on the kernel's
L2CAP socket, and the kernel's SMP pairs and encrypts on both sides.
"""

import configparser
import os
import re
import signal
from pathlib import Path

import pytest

from bandsim.clients.bonding import Phone
from bandsim.harness.airphone import AirPhone
from bandsim.link.sock import LinkSecurityError
from bandsim.protocol import linksec
from bandsim.protocol.linksec import Status
from bandsim.protocol.profile import write_variant

from scenarios.helpers.events import event_after

PHONE = "48:2C:A0:11:22:33"
TABLET = "C4:1D:2E:3F:40:51"
SOCKET_MODEL = "the socket transport's modelled link security"
CENTRALS = ("centrals of the suite's own: the socket's modelled ones, or "
            "bluetoothd on the VM's adapters")


def _third_adapter(target):
    """A controller that is neither the bands' nor the suite's, or None:
    the last one, which the scenarios that put bands on the others
    (MB4/AIR/BV-03) keep as a central, so it still has its own public
    address and no band's settings."""
    present = sorted((p.name for p in Path("/sys/class/bluetooth").glob("hci*")
                      if re.fullmatch(r"hci\d+", p.name)),
                     key=lambda name: int(name[3:]))
    others = [a for a in present if a not in target.emu_bluez]
    return others[-1] if others else None


@pytest.fixture
def centrals(target):
    """centrals(n): the phone, and with n=2 the tablet too.  On the socket
    they are modelled centrals with addresses of their own; over the air
    bluetoothd on the suite's adapter and on a third one."""
    if not target.emu_bluez:
        return lambda n=1: (Phone(PHONE), Phone(TABLET, random=True))[:n]
    if target.through_bluetoothd:
        pytest.skip("bonds over the air need the band's own link layer "
                    "(--emu-transport l2cap): through bluetoothd's GATT "
                    "server the band never hears of a pairing")

    def over_the_air(n=1):
        adapters = [target.emu_bluez[1]]
        if n > 1:
            third = _third_adapter(target)
            if third is None:
                pytest.skip("a second central needs a third adapter "
                            "(BANDSIM_VM_CONTROLLERS=3 ci/vm/conformance)")
            adapters.append(third)
        return tuple(AirPhone(a) for a in adapters)
    return over_the_air


def address_type(central) -> str:
    return "random" if central.random else "public"


def bonds(control):
    return [tuple(b) for b in control.get("Bonds")]


def band_ini_bonds(state_dir) -> dict:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(state_dir / "band.ini", encoding="utf-8")
    return dict(parser["bonds"]) if parser.has_section("bonds") else {}


def mark(control) -> int:
    control.sync()
    return control.timeline[-1].seq if control.timeline else 0


def bonded_phone(band, control) -> tuple:
    """The phone, paired with the band on a link of its own that is now
    closed, and the band's address its bond is kept under."""
    phone = Phone(PHONE)
    address = control.get("Address")
    assert phone.bond(band, address) == "paired"
    return phone, address


@pytest.mark.needs_control("Bonds", "Address", "Events")
@pytest.mark.emulator_process("the state directory, and a restart on it")
def test_pairing_keeps_a_bond(start_band, control, centrals, tmp_path):
    """MB4/BOND/BV-01: a phone pairs and the band keeps the bond

    Just Works, as the band has no display: the phone gets a 16-byte
    long-term key, the band a bond for the phone's address, in
    band.ini, and it is still there after a restart.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir)
    (phone,) = centrals(1)
    address = control.get("Address")
    since = mark(control)
    assert phone.bond(band, address) == "paired"
    key = phone.bonds[address]
    assert len(key) == linksec.LTK_SIZE
    assert event_after(control, "paired", since).details == \
        {"peer": phone.address}
    kind = address_type(phone)
    assert bonds(control) == [(phone.address, kind)]
    assert band_ini_bonds(state_dir) == {
        "bond-1": f"{phone.address} {kind} {key.hex()}"}

    assert band.stop() == 0
    band = start_band(state_dir=state_dir)
    assert bonds(control) == [(phone.address, kind)]


@pytest.mark.emulator_process(CENTRALS)
@pytest.mark.needs_control("Address", "Events")
def test_bonded_phone_encrypts_again(band, control, centrals):
    """MB4/BOND/BV-02: the bonded phone encrypts every new link

    The next link starts encryption with the bond's key: the band finds
    it and the link is encrypted, with no new pairing.
    """
    (phone,) = centrals(1)
    address = control.get("Address")
    assert phone.bond(band, address) == "paired"
    since = mark(control)
    assert phone.reconnect(band, address, attempts=1) == [Status.OK]
    assert event_after(control, "encrypted", since).details == \
        {"peer": phone.address}
    names = [e.name for e in control.timeline if e.seq > since]
    assert "paired" not in names


@pytest.mark.socket_only(SOCKET_MODEL)
@pytest.mark.needs_control("Address", "Events")
def test_encrypted_link_serves_att(band, control):
    """MB4/BOND/BV-05: an encrypted link is still the band's ATT bearer

    After the bonded phone encrypts, the same link reads the Device
    Name, as before the encryption.
    """
    phone, address = bonded_phone(band, control)
    link = phone.open(band)
    try:
        assert phone.secure(link, address) == "encrypted"
        assert link.read(0x0003).startswith(b"Mi Smart Band")
    finally:
        band.disconnect(link)


@pytest.mark.socket_only(SOCKET_MODEL)
@pytest.mark.needs_control("Address", "Events")
def test_other_key_ends_the_link(band, control):
    """MB4/BOND/BI-03: a bonded central that offers another key

    The band has a bond for this central but the key differs: the
    encryption fails as a MIC failure would (0x3D), and the link does
    not survive it; the bond stays.
    """
    phone, address = bonded_phone(band, control)
    since = mark(control)
    link = phone.open(band)
    try:
        with pytest.raises(LinkSecurityError) as info:
            link.encrypt(bytes(16))
        assert info.value.status == Status.MIC_FAILURE
        band.wait_dropped()
    finally:
        link.close()
    failed = event_after(control, "encryption-failed", since)
    assert failed.details == {"peer": PHONE, "reason": "other-key"}
    assert bonds(control) == [(PHONE, "public")]


@pytest.mark.emulator_process(CENTRALS)
@pytest.mark.needs_control("FactoryReset", "Bonds", "Address", "Events")
def test_factory_reset_forgets_bonds(band, control, centrals):
    """MB4/BOND/BV-03: a factory reset forgets every bond

    The reset band has no bonds and a new address (protocol §10).  A
    phone that keeps bonds by address sees a new device and pairs with
    it; the old bond stays on the phone, for an address no band has.
    On the socket, where a link still reaches the band whatever its
    address, the old key is refused with PIN or Key Missing.
    """
    (phone,) = centrals(1)
    old = control.get("Address")
    assert phone.bond(band, old) == "paired"
    control.factory_reset()
    new = control.get("Address")
    assert new != old
    assert bonds(control) == []

    if isinstance(phone, Phone):
        link = phone.open(band)
        try:
            with pytest.raises(LinkSecurityError) as info:
                link.encrypt(phone.bonds[old])
            assert info.value.status == Status.KEY_MISSING
        finally:
            band.disconnect(link)
    assert new not in phone.bonds
    assert phone.bond(band, new) == "paired"
    assert old in phone.bonds
    assert bonds(control) == [(phone.address, address_type(phone))]


@pytest.mark.needs_control("Bonds", "Address", "Events")
@pytest.mark.emulator_process("a band keeping one bond (profile variant)")
def test_ghost_pairing_loop_and_recovery(start_band, control, centrals,
                                         tmp_path):
    """MB4/BOND/BI-01: the ghost pairing, then forget and pair again

    A band that keeps one bond: the phone pairs, then a tablet pairs and
    takes the bond's place.  The phone still has its key and the band's
    address is unchanged, so it reconnects and encrypts, and every
    attempt fails with PIN or Key Missing: the connect/disconnect loop
    of the field reports.  The way out, as the reports say: forget the
    band on the phone and pair again; the link is then encrypted, and
    the next one too.
    """
    profile = write_variant(tmp_path / "one-bond.ini", {"bond-slots": "1"})
    band = start_band(profile=profile)
    address = control.get("Address")
    phone, tablet = centrals(2)
    for central in (phone, tablet):
        assert central.bond(band, address) == "paired"
    assert bonds(control) == [(tablet.address, address_type(tablet))]

    since = mark(control)
    assert phone.reconnect(band, address, attempts=3) == \
        [Status.KEY_MISSING] * 3
    control.sync()
    loop = [(e.name, e.details) for e in control.timeline if e.seq > since]
    attempt = [("connected", {}),
               ("encryption-failed", {"peer": phone.address,
                                      "reason": "key-missing"}),
               ("disconnected", {})]
    assert loop == attempt * 3
    assert bonds(control) == [(tablet.address, address_type(tablet))]

    phone.forget(address)
    assert address not in phone.bonds
    assert phone.bond(band, address) == "paired"
    assert phone.reconnect(band, address, attempts=3) == [Status.OK]
    assert bonds(control) == [(phone.address, address_type(phone))]


@pytest.mark.needs_control("Bonds", "Address", "Events")
@pytest.mark.emulator_process("a band keeping one bond (profile variant), "
                              "stopped a while")
def test_ghost_attempts_while_the_band_is_busy(start_band, control, centrals,
                                               tmp_path):
    """MB4/BOND/BI-04: ghost attempts over before the band could look

    A ghost attempt is short: the central's kernel hangs up within
    milliseconds of the band's controller finding no key, and the
    band's ATT channel of that link is gone with it.  A band busy for
    that long (a loaded host) still had the link on its radio, as a real
    band's firmware has every link: the band is stopped while the phone
    makes two attempts, then let go, and its timeline has both, each
    connected, failed with the phone as the peer, and disconnected.  The
    next attempt, with the band free, is seen as before.
    """
    profile = write_variant(tmp_path / "one-bond.ini", {"bond-slots": "1"})
    band = start_band(profile=profile)
    address = control.get("Address")
    phone, tablet = centrals(2)
    if not isinstance(phone, AirPhone):
        pytest.skip("over the socket a ghost attempt waits for the band's "
                    "own answer: none ends while the band is stopped")
    for central in (phone, tablet):
        assert central.bond(band, address) == "paired"

    since = mark(control)
    os.kill(band.pid, signal.SIGSTOP)
    try:
        statuses = phone.reconnect(None, address, attempts=2)
    finally:
        os.kill(band.pid, signal.SIGCONT)
    assert statuses == [Status.KEY_MISSING] * 2
    for _ in statuses:
        band.wait_status("CONNECTED=1")
        band.wait_dropped()
    attempt = [("connected", {}),
               ("encryption-failed", {"peer": phone.address,
                                      "reason": "key-missing"}),
               ("disconnected", {})]
    control.sync()
    assert [(e.name, e.details) for e in control.timeline
            if e.seq > since] == attempt * 2

    assert phone.reconnect(band, address, attempts=1) == [Status.KEY_MISSING]
    control.sync()
    assert [(e.name, e.details) for e in control.timeline
            if e.seq > since] == attempt * 3
    assert bonds(control) == [(tablet.address, address_type(tablet))]


@pytest.mark.emulator_process(CENTRALS)
@pytest.mark.needs_control("Bonds", "Address")
def test_second_central_bonds_too(band, control, centrals):
    """MB4/BOND/BV-04: a second central bonds beside the first

    With the profile's four bond slots, a tablet that pairs after the
    phone leaves the phone's bond in place: both encrypt their next
    links, and the bonds are listed oldest first.
    """
    address = control.get("Address")
    phone, tablet = centrals(2)
    for central in (phone, tablet):
        assert central.bond(band, address) == "paired"
    assert bonds(control) == [(phone.address, address_type(phone)),
                              (tablet.address, address_type(tablet))]
    for central in (phone, tablet):
        assert central.reconnect(band, address, attempts=1) == [Status.OK]


@pytest.mark.socket_only(SOCKET_MODEL)
@pytest.mark.needs_control("Bonds")
def test_malformed_link_security_changes_nothing(band, control):
    """MB4/BOND/BI-02: malformed link-security packets change nothing

    Pairing or encrypting before the central named itself is refused
    (Command Disallowed); a request of the wrong length or an unknown
    one gets Invalid Parameters; none of them stores a bond, and the
    link still serves ATT.
    """
    link = band.connect()
    try:
        with pytest.raises(LinkSecurityError) as info:
            link.pair()
        assert info.value.status == Status.NO_PEER
        with pytest.raises(LinkSecurityError) as info:
            link.encrypt(bytes(16))
        assert info.value.status == Status.NO_PEER
        cases = [(bytes([0, linksec.Op.PAIR, 0]), linksec.Op.UNKNOWN),
                 (bytes([0, linksec.Op.ENCRYPT]) + bytes(15),
                  linksec.Op.UNKNOWN),
                 (bytes([0, 0x42]), linksec.Op.UNKNOWN),
                 (bytes([0]), linksec.Op.UNKNOWN),
                 (linksec.address_req(PHONE, False)[:-1] + b"\x02",
                  linksec.Op.ADDRESS)]
        for packet, op in cases:
            link.send_raw(packet)
            reply = link.recv_raw()
            assert reply[:3] == bytes([0, linksec.REPLY | op,
                                       Status.INVALID]), packet.hex()
        assert link.read(0x0003).startswith(b"Mi Smart Band")
    finally:
        band.disconnect(link)
    assert bonds(control) == []
