"""Times read from a platform's API payloads (X, LinkedIn): parsed, or refused with InvalidMessage naming the
field and the item, never an OverflowError or ValueError from deep inside datetime.

A time must fall in [EARLIEST, LATEST): no social network wrote anything before the Unix epoch, and a time
near the end of what datetime holds overflows as soon as a connector adds to it (X follows a thread for 7
days after its newest reply). Absent (None or "") is not malformed: the caller decides (a v2 field the request
did not ask for is absent, and X's id then gives the time).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from goodwill.domain.message import InvalidMessage

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_EARLIEST_MS = 0
_LATEST_MS = int(LATEST.timestamp()) * 1000


def _shown(value: object) -> str:
    return repr(value)[:40]


def refused(field: str, item: str, value: object, problem: str) -> InvalidMessage:
    """`field: <value> on <item> <problem>`, e.g. `created_at: 'soon' on X post 1578... is not a time`."""
    return InvalidMessage(field, f"{_shown(value)} on {item} {problem}")


def is_epoch_ms(value: object) -> bool:
    """A number, or a string of ASCII digits with an optional minus sign: meant as epoch milliseconds."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.isascii() and value.removeprefix("-").isdigit()


def epoch_ms(value: object, *, field: str, item: str) -> datetime:
    """Epoch milliseconds (a number or a string of digits) as a UTC time."""
    if not is_epoch_ms(value):
        raise refused(field, item, value, "is not epoch milliseconds")
    if isinstance(value, float) and not math.isfinite(value):
        raise refused(field, item, value, "is not a finite number")
    number = int(value)  # type: ignore[call-overload]  # a number or a string of digits (is_epoch_ms)
    if not _EARLIEST_MS <= number < _LATEST_MS:
        raise refused(field, item, value, f"is out of range ({EARLIEST.year} to {LATEST.year - 1})")
    return datetime.fromtimestamp(number / 1000, tz=UTC)


def within(moment: datetime, *, field: str, item: str, value: object) -> datetime:
    """`moment` (aware) in UTC, when in range."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable instant
        raise refused(field, item, value, "is out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise refused(field, item, value, f"is out of range ({EARLIEST.year} to {LATEST.year - 1})")
    return utc


def note_refused(notes: list[str], exc: InvalidMessage) -> None:
    """Add the note of an item a poll refused (once per sync): the channel's status shows it."""
    note = f"refused a malformed item: {exc}"
    if note not in notes:
        notes.append(note)
