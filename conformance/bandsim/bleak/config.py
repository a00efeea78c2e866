"""Which bands the backend sees: from the scanner's or client's keyword
arguments, else from the environment (what ``python3 -m
bandsim.with_band`` sets for the program it runs), else bandsim's
default socket.

    BANDSIM_BAND              a band's socket (several: joined by ':');
                              with exactly one, a client given any
                              address that no band has connects to it
    BANDSIM_BAND_DIR          a directory of band sockets (a fleet's --dir)
    BANDSIM_CONTROL_ADDRESS   the private bus of the bands' control planes
                              (default: the session bus)
"""

import os
from dataclasses import dataclass
from typing import List, Optional

from .bands import default_socket, sockets_in

ENV_BAND = "BANDSIM_BAND"
ENV_DIR = "BANDSIM_BAND_DIR"
ENV_CONTROL = "BANDSIM_CONTROL_ADDRESS"


@dataclass
class Where:
    bands: Optional[List[str]] = None
    band_dir: Optional[str] = None
    control_address: Optional[str] = None
    from_env: bool = False

    @classmethod
    def from_kwargs(cls, kwargs: dict) -> "Where":
        """The backend's own keyword arguments (bands=, band_dir=,
        control_address=); what is not given comes from the
        environment."""
        bands = kwargs.get("bands")
        if isinstance(bands, (str, os.PathLike)):
            bands = [bands]
        band_dir = kwargs.get("band_dir")
        from_env = bands is None and band_dir is None
        if from_env:
            env = os.environ.get(ENV_BAND)
            bands = env.split(":") if env else None
            band_dir = os.environ.get(ENV_DIR) or None
        control = kwargs.get("control_address") or \
            os.environ.get(ENV_CONTROL) or None
        return cls(None if bands is None else [str(b) for b in bands],
                   str(band_dir) if band_dir else None, control, from_env)

    def paths(self) -> List[str]:
        found = list(self.bands or [])
        if self.band_dir:
            found += sockets_in(self.band_dir)
        if self.bands is None and self.band_dir is None:
            found.append(default_socket())
        return found

    @property
    def single(self) -> Optional[str]:
        """The one band BANDSIM_BAND names (with_band --band), if it
        names exactly one: it stands in for any address."""
        if self.from_env and self.bands and len(self.bands) == 1:
            return self.bands[0]
        return None
