"""Accounts: passwords (argon2id), sign-in with stored rate limits, and dashboard sessions.

Contracts:
- A password is stored only as an argon2id hash (`argon2-cffi`); `do_set_password` is its one writer.
- `do_sign_in` checks the rate limits before any password: more than `ACCOUNT_LIMIT` failures for one e-mail,
  or `ADDRESS_LIMIT` from one address, within `WINDOW` refuse further tries (RateLimited) until the window
  moves on. Limits are counted from `login_attempt` rows, so they hold across processes and restarts.
  Every try writes a `login_attempt` row and an audit row (`login.ok`, `login.bad`, `login.limited`).
- A session token is returned once, to be put in the cookie; the store keeps its SHA-256 only.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from goodwill.actions.activity import check_can_manage, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.store.tables import Teammate, Workspace
from goodwill.store.tables_web import LoginAttempt, WebSession

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
SESSION_IDLE = timedelta(days=7)  # a session unused this long ends
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often (reads stay reads)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy() -> str:
    """A hash of a random password, checked when the e-mail is unknown so that both cases take as long
    (made on first use: importing this module costs no hashing)."""
    return _hasher.hash(secrets.token_urlsafe(16))


class SignInRefused(PermissionError):
    """Wrong e-mail or password (deliberately not saying which)."""

    def __init__(self) -> None:
        super().__init__("wrong e-mail or password")


class RateLimited(PermissionError):
    """Too many failed sign-ins for this account or from this address."""

    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, int(retry_after.total_seconds() // 60) + 1)
        super().__init__(f"too many failed sign-ins: try again in {minutes} min")
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing or corrupted hash matches nothing (and costs the same time)."""
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"a password has at most {MAX_PASSWORD} characters")
    return password


def do_set_password(session: Session, teammate: Teammate, password: str, *, acting: Acting) -> None:
    """Set a teammate's password: themselves, or an owner or admin of their workspace. Ends their other
    sessions (a changed password signs out every browser but the one that changed it, if it is theirs)."""
    if acting.teammate_id != teammate.id:
        check_can_manage(session, session.get_one(Workspace, teammate.workspace_id), acting)
    teammate.password_hash = hash_password(check_password(password))
    session.execute(delete(WebSession).where(WebSession.teammate_id == teammate.id))
    audit(
        session,
        workspace_id=teammate.workspace_id,
        acting=acting,
        action="teammate.password",
        object_type="teammate",
        object_id=teammate.id,
    )


def _failures_since(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> tuple[int, datetime | None]:
    row = session.execute(
        select(func.count(), func.min(LoginAttempt.created_at)).where(
            column == value,
            LoginAttempt.outcome != "ok",
            LoginAttempt.created_at > since,
        )
    ).one()
    return int(row[0]), row[1]


def _limited(session: Session, email: str, ip: str, now: datetime) -> RateLimited | None:
    since = now - WINDOW
    for column, value, limit in ((LoginAttempt.email, email, ACCOUNT_LIMIT), (LoginAttempt.ip, ip, ADDRESS_LIMIT)):
        count, oldest = _failures_since(session, column, value, since)
        if count >= limit and oldest is not None:
            return RateLimited(oldest + WINDOW - now)
    return None


def _record(session: Session, email: str, ip: str, outcome: str, teammate: Teammate | None, now: datetime) -> None:
    session.add(LoginAttempt(email=email, ip=ip, outcome=outcome, created_at=now))
    audit(
        session,
        workspace_id=teammate.workspace_id if teammate else None,
        acting=Acting(label=email[:200], teammate_id=teammate.id if teammate else None),
        action=f"login.{outcome}",
        object_type="teammate",
        object_id=teammate.id if teammate else None,
        data={"ip": ip},
    )


def authenticate(session: Session, *, email: str, password: str, ip: str, now: datetime | None = None) -> Teammate:
    """The teammate these credentials sign in, after the rate limits; records the attempt either way.

    An e-mail may belong to teammates in several workspaces: the first (by id) whose password matches signs in.
    Raises RateLimited or SignInRefused; the caller commits in both cases so that the attempt is kept."""
    now = now or utcnow()
    email = email.strip().lower()[:320]
    limited = _limited(session, email, ip, now)
    if limited is not None:
        _record(session, email, ip, "limited", None, now)
        raise limited
    candidates = list(session.scalars(select(Teammate).where(Teammate.email == email).order_by(Teammate.id)))
    for teammate in candidates:
        if password_matches(teammate.password_hash, password):
            _record(session, email, ip, "ok", teammate, now)
            return teammate
    if not candidates:
        password_matches(None, password)  # an unknown e-mail costs one hash check too
    _record(session, email, ip, "bad", candidates[0] if candidates else None, now)
    raise SignInRefused()


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # for the cookie; not stored
    csrf_token: str
    teammate_id: int
    workspace_id: int
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_start_session(
    session: Session, teammate: Teammate, *, ip: str | None, user_agent: str | None, now: datetime | None = None
) -> SignedIn:
    now = now or utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + SESSION_IDLE
    session.add(
        WebSession(
            token_hash=token_hash(token),
            teammate_id=teammate.id,
            workspace_id=teammate.workspace_id,
            csrf_token=csrf,
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
            created_at=now,
            last_seen_at=now,
            expires_at=expires,
        )
    )
    return SignedIn(token, csrf, teammate.id, teammate.workspace_id, expires)


def do_end_session(session: Session, token: str, *, acting: Acting) -> bool:
    row = session.get(WebSession, token_hash(token))
    if row is None:
        return False
    session.delete(row)
    audit(
        session,
        workspace_id=row.workspace_id,
        acting=acting,
        action="logout",
        object_type="teammate",
        object_id=row.teammate_id,
    )
    return True


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who a dashboard request acts as: the session's teammate and what they may do."""

    teammate_id: int
    workspace_id: int
    workspace_slug: str
    workspace_name: str
    email: str
    name: str
    role: str
    csrf_token: str
    touch_due: bool = False

    @property
    def acting(self) -> Acting:
        return Acting(label=self.email, teammate_id=self.teammate_id)


_VIEWER = (
    select(
        WebSession.teammate_id,
        WebSession.workspace_id,
        Workspace.slug,
        Workspace.name,
        Teammate.email,
        Teammate.name,
        Teammate.role,
        WebSession.csrf_token,
        WebSession.last_seen_at,
        WebSession.expires_at,
    )
    .join(Teammate, Teammate.id == WebSession.teammate_id)
    .join(Workspace, Workspace.id == WebSession.workspace_id)
)


def viewer_of(session: Session, token: str, *, now: datetime | None = None) -> Viewer | None:
    """The session behind a cookie's token, or None (unknown or expired): one read. `Viewer.touch_due` says
    the session was last marked seen over TOUCH_EVERY ago: call `do_touch_session` (a busy dashboard then
    writes once every few minutes per browser, not on every page)."""
    now = now or utcnow()
    row = session.execute(_VIEWER.where(WebSession.token_hash == token_hash(token))).one_or_none()
    if row is None or row.expires_at <= now:
        return None
    teammate_id, workspace_id, slug, ws_name, email, name, role, csrf = row[:8]
    due = now - row.last_seen_at >= TOUCH_EVERY
    return Viewer(teammate_id, workspace_id, slug, ws_name, email, name, role, csrf, touch_due=due)


def do_touch_session(session: Session, token: str, *, now: datetime | None = None) -> None:
    """Mark the session seen now and slide its expiry forward (no audit row: it is not a change of state
    anyone acts on)."""
    now = now or utcnow()
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash(token))
        .values(last_seen_at=now, expires_at=now + SESSION_IDLE)
        .execution_options(synchronize_session=False)
    )


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete ended sessions and login attempts older than the rate-limit window (the periodic clean-up)."""
    now = now or utcnow()
    ended = session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    old = session.execute(delete(LoginAttempt).where(LoginAttempt.created_at <= now - WINDOW - timedelta(days=1)))
    return int(ended.rowcount or 0) + int(old.rowcount or 0)  # type: ignore[attr-defined]
