"""A sweep killed with SIGKILL part way, for the resume tests of plain and sampled sweeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sim.sweep import read_manifest

KILL_WAIT = 60  # seconds the sweep may take to write its first chunks before the test gives up
POLL = 0.01  # seconds between looks at the manifest


def kill_sweep_after(spec: dict, chunks: int, where: Path) -> int:
    """Run the sweep `spec` in a child process and SIGKILL it once `chunks` chunks are written.

    `spec` is written to `where` / "killed.json"; its ``output`` must be a folder. Returns the
    number of chunks the manifest holds after the kill (at least `chunks`).
    """
    path = where / "killed.json"
    path.write_text(json.dumps(spec))
    code = (
        "import json; from sim.sweep import sweep; "
        f"sweep(json.load(open({str(path)!r})), workers=1, progress=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    output = Path(spec["output"])
    manifest = output / "manifest.json"
    deadline = time.monotonic() + KILL_WAIT
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists():
            try:
                done = json.loads(manifest.read_text())["done"]
            except (json.JSONDecodeError, KeyError):  # caught half-written: look again
                done = []
            if len(done) >= chunks:
                break
        time.sleep(POLL)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return len(read_manifest(output)["done"])
