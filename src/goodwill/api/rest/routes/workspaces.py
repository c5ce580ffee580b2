"""The caller, workspaces, channels and teammates."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from goodwill.api.rest import convert
from goodwill.api.rest.access import access_channel
from goodwill.api.rest.deps import Authenticated, IdPath, Reader, StoreDep
from goodwill.api.rest.errors import ApiError
from goodwill.api.rest.schemas.common import Page
from goodwill.api.rest.schemas.workspaces import ChannelPublic, MePublic, TeammatePublic, WorkspacePublic
from goodwill.store.tables import Channel, Teammate, Workspace

router = APIRouter(tags=["workspaces"])
scoped = APIRouter(prefix="/workspaces/{slug}", tags=["workspaces"])


@router.get("/me", response_model=MePublic, summary="The caller: teammate, workspace, scopes")
def me(principal: Authenticated, store: StoreDep) -> MePublic:
    with store.reader() as session:
        return MePublic(
            teammate=convert.teammate(session.get_one(Teammate, principal.teammate_id)),
            workspace=convert.workspace(session.get_one(Workspace, principal.workspace_id)),
            token_id=principal.token_id,
            token_scopes=sorted(principal.token_scopes),
            scopes=sorted(principal.scopes),
        )


@router.get("/workspaces", response_model=Page[WorkspacePublic], summary="The workspaces this token reaches")
def list_workspaces(principal: Authenticated, store: StoreDep) -> Page[WorkspacePublic]:
    if "read" not in principal.scopes:
        raise ApiError(403, "this token lacks the 'read' scope", code="scope")
    with store.reader() as session:
        return Page(data=[convert.workspace(principal.workspace(session))], count=1)


@scoped.get("", response_model=WorkspacePublic, summary="One workspace")
def get_workspace(principal: Reader, store: StoreDep) -> WorkspacePublic:
    with store.reader() as session:
        return convert.workspace(principal.workspace(session))


@scoped.get("/channels", response_model=Page[ChannelPublic], summary="The workspace's channels")
def list_channels(principal: Reader, store: StoreDep) -> Page[ChannelPublic]:
    with store.reader() as session:
        query = select(Channel).where(Channel.workspace_id == principal.workspace_id)
        data = [convert.channel(c) for c in session.scalars(query.order_by(Channel.id))]
    return Page(data=data, count=len(data))


@scoped.get("/channels/{channel_id}", response_model=ChannelPublic, summary="One channel")
def get_channel(channel_id: IdPath, principal: Reader, store: StoreDep) -> ChannelPublic:
    with store.reader() as session:
        return convert.channel(access_channel(session, principal.workspace(session), channel_id))


@scoped.get("/teammates", response_model=Page[TeammatePublic], summary="The team")
def list_teammates(principal: Reader, store: StoreDep) -> Page[TeammatePublic]:
    with store.reader() as session:
        query = select(Teammate).where(Teammate.workspace_id == principal.workspace_id)
        data = [convert.teammate(t) for t in session.scalars(query.order_by(Teammate.id))]
        count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return Page(data=data, count=count)
