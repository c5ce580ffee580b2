"""Who is asking and what they may do: the bearer token, its workspace, scopes and role; the only way a route
gets an object (`access_*`), one permission condition per line so that tests cover every denial.

Order of checks: no or unknown token (401) -> the path's workspace is not the token's (404, as if it did not
exist) -> the scope is not both held by the token and allowed by the teammate's current role (403) -> the
object is in another workspace (404) -> the library's own role checks (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from goodwill.actions.audit import Acting
from goodwill.actions.tokens import ROLE_SCOPES, needs_stamp, stamp_use, token_holder, with_article
from goodwill.actions.workspaces import NotFound
from goodwill.api.rest.errors import ApiError
from goodwill.api.rest.schemas.common import MAX_ID
from goodwill.store import Store
from goodwill.store.tables import Workspace

bearer = HTTPBearer(auto_error=False, description="An API token: `goodwill token create` prints one.")
SlugPath = Annotated[str, Path(min_length=1, max_length=64, description="The workspace's slug")]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200, description="Rows per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip")]


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(get_store)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a live token, its teammate (role read now, not when the token was made) and workspace."""

    token_id: int
    workspace_id: int
    slug: str
    teammate_id: int
    email: str
    role: str
    token_scopes: frozenset[str]

    @property
    def scopes(self) -> frozenset[str]:
        """What the token may do now: its scopes that the teammate's role still allows."""
        return self.token_scopes & ROLE_SCOPES.get(self.role, frozenset())

    @property
    def acting(self) -> Acting:
        return Acting(label=self.email, teammate_id=self.teammate_id)

    def workspace(self, session: Session) -> Workspace:
        return session.get_one(Workspace, self.workspace_id)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def authenticate(store: StoreDep, credentials: Credentials) -> Principal:
    """The caller behind the Authorization: Bearer header, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "send an API token: Authorization: Bearer <token>")
    with store.reader() as session:
        found = token_holder(session, credentials.credentials)
    if found is None:
        raise ApiError(401, "the API token is unknown, revoked or expired")
    token, teammate, workspace = found
    if needs_stamp(token):
        with store.session() as session:
            stamp_use(session, token.id)
    return Principal(
        token_id=token.id,
        workspace_id=workspace.id,
        slug=workspace.slug,
        teammate_id=teammate.id,
        email=teammate.email,
        role=teammate.role,
        token_scopes=frozenset(token.scopes or ()),
    )


Authenticated = Annotated[Principal, Depends(authenticate)]


def in_workspace(slug: SlugPath, principal: Authenticated) -> Principal:
    """The caller, when the path's workspace is the token's own; 404 otherwise (others' workspaces are unseen)."""
    if slug != principal.slug:
        raise NotFound(f"no workspace {slug!r}")
    return principal


def require(scope: str) -> Callable[[Principal], Principal]:
    """A dependency: the caller in the path's workspace, holding `scope` (token and role both), else 403."""

    def check(principal: Annotated[Principal, Depends(in_workspace)]) -> Principal:
        if scope not in principal.token_scopes:
            raise ApiError(403, f"this token lacks the {scope!r} scope", code="scope")
        if scope not in principal.scopes:
            raise ApiError(403, f"{with_article(principal.role)} cannot use the {scope!r} scope", code="role")
        return principal

    check.__name__ = f"require_{scope}"
    return check


Reader = Annotated[Principal, Depends(require("read"))]
Writer = Annotated[Principal, Depends(require("write"))]
Replier = Annotated[Principal, Depends(require("reply"))]
Admin = Annotated[Principal, Depends(require("admin"))]
