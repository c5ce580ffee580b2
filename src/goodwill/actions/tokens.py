"""REST API tokens: a teammate's key with scopes, stored hashed, shown once, revoked at will (audited).

Scopes: `read` (every GET), `write` (change conversations, notes, triage corrections), `reply` (queue replies,
decide approvals), `admin` (rules, goals, tokens, the audit log). A token never does more than its teammate's
role allows (`ROLE_SCOPES`), checked again on every request: demoting a teammate narrows their tokens at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from goodwill.actions.activity import MANAGERS, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound
from goodwill.domain.enums import Role
from goodwill.store.tables import Teammate, Workspace
from goodwill.store.tables_api import ApiToken

SCOPES = ("read", "write", "reply", "admin")
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.OWNER.value: frozenset(SCOPES),
    Role.ADMIN.value: frozenset(SCOPES),
    Role.AGENT.value: frozenset({"read", "write", "reply"}),
    Role.VIEWER.value: frozenset({"read"}),
}
PREFIX = "gw_"
SHOWN = 10  # characters of the secret kept in clear to recognise a token in a list
USE_STAMP = timedelta(minutes=5)  # last_used_at is written at most this often per token


def with_article(role: str) -> str:
    return f"an {role}" if role[:1] in ("a", "e", "i", "o", "u") else f"a {role}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def check_scopes(scopes: list[str], role: str) -> list[str]:
    """Known scopes, in canonical order, each one the teammate's role allows; ValueError naming the first bad one."""
    if not scopes:
        raise ValueError(f"a token needs at least one scope: {', '.join(SCOPES)}")
    for scope in scopes:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}: use {', '.join(SCOPES)}")
        if scope not in ROLE_SCOPES.get(role, frozenset()):
            raise ValueError(f"{with_article(role)} cannot hold the {scope!r} scope")
    return [s for s in SCOPES if s in scopes]


def check_can_issue(session: Session, workspace: Workspace, teammate: Teammate, acting: Acting) -> None:
    """Teammates create and revoke their own tokens; owners and admins anyone's (the CLI and system too)."""
    if teammate.workspace_id != workspace.id:
        raise NotFound(f"no teammate {teammate.id} in workspace {workspace.slug!r}")
    if acting.teammate_id is None or acting.teammate_id == teammate.id:
        return
    me = session.get(Teammate, acting.teammate_id)
    if me is None or me.workspace_id != workspace.id:
        raise PermissionError(f"{acting.label} is not a teammate in workspace {workspace.slug!r}")
    if me.role not in MANAGERS:
        raise PermissionError(f"{acting.label} is a {me.role}: only owners and admins manage others' tokens")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once: only its hash is stored


def do_create_token(
    session: Session,
    workspace: Workspace,
    teammate: Teammate,
    *,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    acting: Acting,
    now: datetime | None = None,
) -> IssuedToken:
    """A new token for `teammate`. The secret is returned here and never again."""
    check_can_issue(session, workspace, teammate, acting)
    now = now or utcnow()
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("a token needs a name of 1 to 200 characters (what it is for)")
    clean = check_scopes(scopes, teammate.role)
    if expires_at is not None and expires_at <= now:
        raise ValueError("a token's expiry must be in the future")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        workspace_id=workspace.id,
        teammate_id=teammate.id,
        name=name,
        prefix=secret[:SHOWN],
        secret_hash=hash_secret(secret),
        scopes=clean,
        created_by_id=acting.teammate_id,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    data = {"name": name, "teammate_id": teammate.id, "scopes": clean, "prefix": token.prefix}
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="token.create",
        object_type="api_token",
        object_id=token.id,
        data={**data, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    return IssuedToken(token, secret)


def do_revoke_token(
    session: Session, workspace: Workspace, token: ApiToken, *, acting: Acting, now: datetime | None = None
) -> bool:
    """Revoke a token: refused from then on. Idempotent: False when it was already revoked."""
    check_can_issue(session, workspace, session.get_one(Teammate, token.teammate_id), acting)
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="token.revoke",
        object_type="api_token",
        object_id=token.id,
        data={"name": token.name, "prefix": token.prefix},
    )
    return True


def access_token_by_id(session: Session, workspace: Workspace, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.workspace_id != workspace.id:
        raise NotFound(f"no API token {token_id} in workspace {workspace.slug!r}")
    return token


def list_tokens(session: Session, workspace: Workspace, *, teammate_id: int | None = None) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.workspace_id == workspace.id)
    if teammate_id is not None:
        query = query.where(ApiToken.teammate_id == teammate_id)
    return list(session.scalars(query.order_by(ApiToken.id)))


def find_token(session: Session, secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token whose secret this is (None: unknown, revoked or expired). Constant work per secret: the
    lookup is by hash, so timing does not reveal how much of a guess was right."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))
    return token if token is not None and is_live(token, now=now) else None


def is_live(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Neither revoked nor expired."""
    if token.revoked_at is not None:
        return False
    return token.expires_at is None or token.expires_at > (now or utcnow())


def token_holder(session: Session, secret: str) -> tuple[ApiToken, Teammate, Workspace] | None:
    """The live token for `secret` with its teammate and workspace, in one statement (every API request)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = session.execute(
        select(ApiToken, Teammate, Workspace)
        .join(Teammate, Teammate.id == ApiToken.teammate_id)
        .join(Workspace, Workspace.id == ApiToken.workspace_id)
        .where(ApiToken.secret_hash == hash_secret(secret))
    ).first()
    if row is None or not is_live(row[0]):
        return None
    return row[0], row[1], row[2]


def needs_stamp(token: ApiToken, *, now: datetime | None = None) -> bool:
    return token.last_used_at is None or (now or utcnow()) - token.last_used_at >= USE_STAMP


def stamp_use(session: Session, token_id: int, *, now: datetime | None = None) -> None:
    """Record that the token was used (callers do it at most every USE_STAMP, see `needs_stamp`; a usage
    stamp, not an action: no audit row)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now or utcnow()))
