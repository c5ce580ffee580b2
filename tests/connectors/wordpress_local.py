"""The real local WordPress (../shared/tools/wordpress-local) for the blog-comments tests.

`site()` returns the ready JSON of a running site, starting it with `wp-local.sh start` when this process is
root (idempotent: a running site is reused, never restarted). pytest-xdist workers share one site; a file lock
keeps two workers from starting it at once. Not stopped at the end: other sessions may use it, and `start`
costs about a second when the packages are installed (the first `setup` installs them: ~20 s).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import SHARED

TOOL = SHARED / "tools" / "wordpress-local" / "wp-local.sh"
LOCK = Path("/tmp/goodwill-wp-local.lock")


class Unavailable(Exception):
    pass


def site() -> dict[str, Any]:
    if not TOOL.exists():
        raise Unavailable(f"{TOOL} not found")
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        status = subprocess.run([str(TOOL), "status"], capture_output=True, text=True, check=False)
        ready = Path(os.environ.get("WP_LOCAL_STATE_DIR", "/tmp/wp-local")) / "ready.json"
        if status.returncode == 0 and ready.exists():
            return json.loads(ready.read_text())  # type: ignore[no-any-return]
        if os.geteuid() != 0:
            raise Unavailable("WordPress is not running and starting it needs root (wp-local.sh start)")
        started = subprocess.run([str(TOOL), "start"], capture_output=True, text=True, check=False, timeout=600)
        if started.returncode != 0:
            raise Unavailable(f"wp-local.sh start failed: {started.stderr.strip()[-500:]}")
        return json.loads(started.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def add_comment(*args: str) -> dict[str, Any]:
    done = subprocess.run([str(TOOL), "add-comment", *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
