"""Channel health: ok, degraded (passing trouble, retried with back-off), needs re-authorisation (a person must
act). Stored as `Channel.health` (the state) and `Channel.config["status"]` (why, since when, when to retry),
so `goodwill channels` can show it: a channel never stops silently.

The rule that tells an expired token from a passing network error: only AuthExpired (a 401, a revoked or
expired session the connector could not refresh) moves a channel to needs re-authorisation, and only a
successful connect clears it. TransientError and RateLimited make it degraded until the next success; the
wait before the next attempt is the platform's own reset time when it gave one, else exponential back-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

import httpx

from goodwill.connectors.base import AuthExpired, ConnectorError, RateLimited, Refused, TransientError

BACKOFF_START = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
STATUS_KEY = "status"


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    NEEDS_REAUTH = "needs_reauth"


LABELS = {
    Health.OK: "ok",
    Health.DEGRADED: "degraded",
    Health.NEEDS_REAUTH: "needs re-authorisation",
}


@dataclass(frozen=True, slots=True)
class Status:
    health: Health
    reason: str | None = None
    since: datetime | None = None
    failures: int = 0
    retry_at: datetime | None = None
    last_sync_at: datetime | None = None
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "health": self.health.value,
            "reason": self.reason,
            "since": self.since.isoformat() if self.since else None,
            "failures": self.failures,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "last_sync_at": self.last_sync_at.isoformat() if self.last_sync_at else None,
            "notes": list(self.notes),
        }

    @classmethod
    def from_channel(cls, health: str, config: dict[str, Any]) -> Status:
        data = config.get(STATUS_KEY) or {}
        try:
            state = Health(health)
        except ValueError:
            state = Health.DEGRADED
        return cls(
            health=state,
            reason=data.get("reason"),
            since=_time(data.get("since")),
            failures=int(data.get("failures") or 0),
            retry_at=_time(data.get("retry_at")),
            last_sync_at=_time(data.get("last_sync_at")),
            notes=tuple(data.get("notes") or ()),
        )

    def waiting(self, now: datetime) -> bool:
        """True while a back-off or a rate-limit reset is still ahead."""
        return self.retry_at is not None and now < self.retry_at


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def after_success(previous: Status, now: datetime, notes: tuple[str, ...] = ()) -> Status:
    return Status(
        health=Health.OK, since=previous.since if previous.health is Health.OK else now, last_sync_at=now, notes=notes
    )


def after_failure(previous: Status, error: ConnectorError, now: datetime) -> Status:
    """The status after `error`. Refused is not a channel failure (one request was wrong): callers skip it."""
    failures = previous.failures + 1
    since = previous.since if previous.health is not Health.OK and previous.since else now
    if isinstance(error, AuthExpired):
        return Status(
            Health.NEEDS_REAUTH, reason=str(error), since=since, failures=failures, last_sync_at=previous.last_sync_at
        )
    retry_at = now + backoff(failures)
    if isinstance(error, RateLimited):
        retry_at = error.reset_at if error.reset_at and error.reset_at > now else now + BACKOFF_START
        reason = f"rate limited by the platform until {retry_at.isoformat(timespec='seconds')}"
    elif isinstance(error, TransientError | Refused):
        reason = f"temporary failure: {error}"
    else:
        reason = str(error)
    return Status(
        Health.DEGRADED,
        reason=reason,
        since=since,
        failures=failures,
        retry_at=retry_at,
        last_sync_at=previous.last_sync_at,
    )


def backoff(failures: int) -> timedelta:
    """30 s, 60 s, 2 min, ... capped at one hour."""
    seconds = BACKOFF_START.total_seconds() * 2 ** min(max(failures - 1, 0), 20)
    return min(timedelta(seconds=seconds), BACKOFF_MAX)


def parse_reset(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """A rate-limit reset header as a UTC time: epoch seconds (X, Bluesky `RateLimit-Reset`), an ISO 8601 time
    (Mastodon `X-RateLimit-Reset`), a number of seconds to wait (`Retry-After`) or an HTTP date."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    now = now or datetime.now(UTC)
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if number > 1_000_000_000:  # an epoch time, not a delay
            return datetime.fromtimestamp(number, tz=UTC)
        return now + timedelta(seconds=max(number, 0))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def error_for_response(
    response: httpx.Response, what: str, *, platform: str, unauthorised: str, rate_limited: str
) -> ConnectorError:
    """The ConnectorError an HTTP failure stands for: 401 needs re-authorisation, 429 waits for the platform's
    reset (Retry-After), 5xx is worth retrying, anything else is a refusal. The body is kept for the user."""
    try:
        body: Any = response.json()
    except ValueError:
        body = {"message": response.text[:300]}
    said = str(body.get("message") or body.get("code") or response.status_code) if isinstance(body, dict) else str(body)
    if response.status_code == 401:
        return AuthExpired(f"{what}: {unauthorised} ({said})", platform_error=body)
    if response.status_code == 429:
        reset = parse_reset(response.headers.get("retry-after"))
        return RateLimited(f"{what}: {rate_limited}", reset_at=reset, platform_error=body)
    if response.status_code >= 500:
        return TransientError(f"{what}: {platform} answered HTTP {response.status_code}", platform_error=body)
    return Refused(f"{what}: {said}", platform_error=body)
