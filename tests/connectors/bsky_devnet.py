"""The real local Bluesky network (../shared/tools/bsky-devnet) for the end-to-end tests. Standard library only,
so .ci/run can call it before the virtualenv exists:

    python3 tests/connectors/bsky_devnet.py install   # copy the tool to a writable cache and `npm ci` (idempotent)

The shared tool folder is read-only, so it is copied to GOODWILL_BSKY_DEVNET_DIR (default
~/.cache/goodwill/bsky-devnet) and installed there once; the copy is reinstalled only when package-lock.json
changes. Tests then either reuse a network that is already running (GOODWILL_BSKY_DEVNET_CONTROL, default
http://127.0.0.1:2581, e.g. one started with `./devnet.sh start`) or spawn their own on a port base and
Postgres schema of their own per pytest-xdist worker, stopped when the session ends (stdin EOF).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
SOURCE = Path(os.environ.get("GOODWILL_BSKY_DEVNET_SRC", HERE.parents[3] / "shared" / "tools" / "bsky-devnet"))
WORK = Path(os.environ.get("GOODWILL_BSKY_DEVNET_DIR", Path.home() / ".cache" / "goodwill" / "bsky-devnet"))
CONTROL = os.environ.get("GOODWILL_BSKY_DEVNET_CONTROL", "http://127.0.0.1:2581")
FILES = ("package.json", "package-lock.json", "start.js", "build-native.cjs", "devnet.sh", "smoke.py")
START_TIMEOUT = 180


class DevnetUnavailable(RuntimeError):
    """The network cannot be installed or started here (no npm, no source, no Postgres)."""


def running(control: str = CONTROL) -> dict[str, Any] | None:
    """The ready JSON of a network answering at `control`, or None."""
    try:
        with urllib.request.urlopen(control + "/", timeout=2) as response:
            info = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return info if isinstance(info, dict) and info.get("pds") else None


def _lock_hash() -> str:
    return hashlib.sha256((SOURCE / "package-lock.json").read_bytes()).hexdigest()


def install() -> Path:
    """Copy the tool and run `npm ci` once (about 2 minutes); later calls return at once. Safe across processes."""
    if not (SOURCE / "start.js").exists():
        raise DevnetUnavailable(f"the bsky-devnet tool is not at {SOURCE}")
    WORK.mkdir(parents=True, exist_ok=True)
    stamp = WORK / ".installed"
    with (WORK / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = _lock_hash()
        node = WORK / "node_modules" / ".bin" / "node"
        if stamp.exists() and stamp.read_text() == wanted and node.exists():
            return WORK
        npm = shutil.which("npm")
        if npm is None:
            raise DevnetUnavailable("npm is not installed: it is needed once to install the Bluesky devnet")
        for name in FILES:
            target = WORK / name
            target.unlink(missing_ok=True)
            shutil.copyfile(SOURCE / name, target)
        (WORK / "devnet.sh").chmod(0o755)
        log = WORK / "npm-ci.log"
        with log.open("w") as out:
            done = subprocess.run([npm, "ci"], cwd=WORK, stdout=out, stderr=subprocess.STDOUT, check=False)
        if done.returncode != 0 or not node.exists():
            raise DevnetUnavailable(f"npm ci failed in {WORK} (exit {done.returncode}); see {log}")
        stamp.write_text(wanted)
        return WORK


class Devnet:
    """One network this process started; `stop()` closes its stdin, which shuts it down."""

    def __init__(self, worker: str) -> None:
        index = int(worker.removeprefix("gw")) if worker.startswith("gw") and worker[2:].isdigit() else 0
        self.port_base = int(os.environ.get("GOODWILL_BSKY_DEVNET_PORT_BASE", "3580")) + 20 * index
        # the devnet accepts letters and underscores only: worker gw1 -> schema goodwill_gw_b
        self.schema = "goodwill_" + "".join(chr(97 + int(c)) if c.isdigit() else c for c in (worker or "main")).replace(
            "-", "_"
        )
        self.process: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> dict[str, Any]:
        work = install()
        log = (work / f"devnet-{self.schema}.log").open("w")
        env = {
            **os.environ,
            "BSKY_DEVNET_STDIN_WATCH": "1",
            "BSKY_DEVNET_PORT_BASE": str(self.port_base),
            "BSKY_DEVNET_SCHEMA": self.schema,
        }
        self.process = subprocess.Popen(
            [str(work / "node_modules" / ".bin" / "node"), "start.js"],
            cwd=work,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:  # start.js exits (closing stdout) on a failure
            if line.startswith("{") and json.loads(line).get("event") == "ready":
                self.info = json.loads(line)
                return self.info
        code = self.process.wait(timeout=30)
        raise DevnetUnavailable(f"the Bluesky devnet did not start (exit {code}); see {log.name}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(timeout=10)


def post(control: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(
        control + path, data=data, method="POST", headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        print(f"bsky-devnet installed in {install()}")
    else:
        sys.exit("usage: bsky_devnet.py install")
