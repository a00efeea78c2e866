"""What the band says on the wire, with no link and no clock: UUIDs,
ATT opcodes and error codes, the Huami command replies, the values the
band reads out and notifies, and the profile (the GATT table as data).

Nothing here opens a socket, waits or reads the wall clock; the layers
above (link, clients, harness, oracles, tools) take their protocol
facts from here, each fact in one place.
"""
