"""stepsync: a toy "sync my steps" app for a Mi Band 4.

It keeps the band's minutes in a JSON store with a cursor, as a companion
app does: each sync asks the band for everything after the cursor, saves
a round only once it has arrived whole, acks it so the band can delete it,
and moves the cursor on.  A sync cut short (the link lost, a band that goes
quiet) keeps what was saved and starts again from the cursor next time.

The app talks to the band through bandsim's Python clients
(bandsim.clients.auth, bandsim.clients.fetch) over any bandsim.link Link:
the emulator's socket in its tests, BlueZ on a real band.
"""

import datetime
import json
from pathlib import Path

from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import FetchClient, SyncState

__all__ = ["Store", "sync", "steps_on"]


class Store:
    """The app's own database: minutes by band-local timestamp, and the
    cursor the next sync starts from."""

    def __init__(self, path, first_sync_from: int):
        self.path = Path(path)
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.cursor = data["cursor"]
            self.minutes = {int(ts): bytes.fromhex(v)
                            for ts, v in data["minutes"].items()}
        else:
            self.cursor = first_sync_from
            self.minutes = {}

    def save(self) -> None:
        data = {"cursor": self.cursor,
                "minutes": {str(ts): v.hex()
                            for ts, v in sorted(self.minutes.items())}}
        self.path.write_text(json.dumps(data), encoding="utf-8")


def sync(link, key: bytes, store: Store) -> int:
    """Authenticate, fetch everything after the store's cursor, ack it.
    Returns how many new minutes were saved; a sync cut short raises
    after saving every round that arrived whole."""
    huami = HuamiClient(link)
    huami.enable_notifications()
    huami.authenticate(key)
    fetch = FetchClient(link)
    fetch.enable_notifications()
    state = SyncState(store.cursor)
    before = len(store.minutes)
    try:
        fetch.sync(state, ack=True)
    finally:
        # Whatever arrived whole is kept, cut short or not.
        for sample in state.samples:
            store.minutes[sample.ts] = bytes(sample.data)
        store.cursor = state.cursor
        store.save()
    return len(store.minutes) - before


def steps_on(store: Store, day: datetime.date) -> int:
    """The steps of one band-local day."""
    start = int(datetime.datetime(day.year, day.month, day.day,
                                  tzinfo=datetime.timezone.utc).timestamp())
    # A minute is kind, intensity, steps, heart rate (one byte each).
    return sum(v[2] for ts, v in store.minutes.items()
               if start <= ts < start + 86400)
