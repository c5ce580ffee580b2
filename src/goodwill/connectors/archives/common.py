"""What the archive readers share: open a zip (or its unpacked folder) and name the file inside it on errors.

An archive is read whole before anything is written (the importer's first pass), so a broken file inside it
refuses the import with `archive.zip!data/tweets.js, line 12, field 'created_at': ...` and nothing is stored.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from goodwill.connectors.files.base import BadRecord

MAX_MEMBER = 2 * 1024**3  # refuse a zip bomb rather than fill the memory


class ArchiveError(ValueError):
    def __init__(self, where: str, problem: str, line: int = 1, field: str | None = None) -> None:
        super().__init__(problem)
        self.where, self.problem, self.line, self.field = where, problem, line, field

    def bad(self) -> BadRecord:
        return BadRecord(self.where, self.line, self.field, self.problem)


class Archive:
    """Files of a zip archive or of the folder it was unpacked into, by their path inside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
        else:
            try:
                self._zip = zipfile.ZipFile(path)
            except (
                zipfile.BadZipFile,
                OSError,
                NotImplementedError,
            ) as exc:  # a damaged header can read as an unknown zip version
                raise ArchiveError(str(path), f"not a readable zip archive ({exc})") from None
            self.names = [i.filename for i in self._zip.infolist() if not i.is_dir()]

    def where(self, name: str) -> str:
        return f"{self.path}!{name}"

    def find(self, *candidates: str) -> str | None:
        """The first of `candidates` in the archive, also found under one top folder (`twitter-2024/data/...`)."""
        for candidate in candidates:
            for name in self.names:
                if name == candidate or name.endswith("/" + candidate):
                    return name
        return None

    def matching(self, predicate: object) -> list[str]:
        return [n for n in self.names if callable(predicate) and predicate(n)]

    def read(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                info = self._zip.getinfo(name)
                if info.file_size > MAX_MEMBER:
                    raise ArchiveError(self.where(name), f"{info.file_size} bytes is more than this reader takes")
                return self._zip.read(name)
            return (self.path / name).read_bytes()
        except (zipfile.BadZipFile, OSError, KeyError, EOFError, RuntimeError) as exc:
            raise ArchiveError(self.where(name), f"cannot be read from the archive ({exc})") from None
        except Exception as exc:  # zlib.error and friends from a damaged member
            raise ArchiveError(self.where(name), f"cannot be read from the archive ({exc})") from None

    def text(self, name: str) -> str:
        try:
            return self.read(name).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ArchiveError(self.where(name), f"is not UTF-8 text ({exc})") from None


def marker_lines(text: str, marker: str) -> list[int]:
    """The line of each occurrence of `marker` (to say where the n-th item of a JSON array starts)."""
    lines, start, line = [], 0, 1
    while (found := text.find(marker, start)) != -1:
        line += text.count("\n", start, found)
        lines.append(line)
        start = found + len(marker)
    return lines
