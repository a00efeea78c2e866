"""The kill -9 soak (bench/soak_kill.py), short: CI keeps it honest.

Twenty rounds of one seed: each activity is killed at a random moment
and the band must come back with nothing lost (docs/reliability.md has
the thousand-round run).  A failure prints the round and the command
that repeats it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak_kill.py"
ROUNDS = 20
SEED = 20241202


@pytest.mark.timeout(60)
def test_soak_kill_smoke(emulator_binary):
    out = subprocess.run(
        [sys.executable, str(SOAK), "--binary", str(emulator_binary),
         "--seed", str(SEED), "--rounds", str(ROUNDS), "--check-every", "10"],
        capture_output=True, text=True, timeout=55,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
    total = [line for line in out.stdout.splitlines()
             if line.startswith("| all |")]
    assert total, out.stdout
    cells = [c.strip() for c in total[0].strip("|").split("|")]
    assert cells[1] == str(ROUNDS) and cells[-1] == "0", total[0]
