"""Run the `goodwill` command as a user does: a subprocess with its own data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def goodwill(
    tmp_path: Path, *args: str, ok: bool = True, stdin: str | None = None, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`goodwill ARGS` with GOODWILL_DATA_DIR under tmp_path (or `python -c CODE ARGS`); `ok` asserts exit 0."""
    env = {**os.environ, "GOODWILL_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("GOODWILL_DATABASE_URL", None)
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "goodwill", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False, input=stdin or "")
    if ok:
        assert done.returncode == 0, done.stderr
    return done
