"""Posts: the brand's own content (read-only here; the publishing library adds drafts and scheduling)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from goodwill.api.rest import convert
from goodwill.api.rest.access import access_post_by_id
from goodwill.api.rest.deps import IdPath, Limit, Offset, Reader, StoreDep
from goodwill.api.rest.schemas.common import MAX_ID, Page
from goodwill.api.rest.schemas.posts import PostPublic
from goodwill.store.tables import Post

router = APIRouter(prefix="/workspaces/{slug}/posts", tags=["posts"])


@router.get("", response_model=Page[PostPublic], summary="Posts, newest first")
def list_posts(
    principal: Reader,
    store: StoreDep,
    status: Literal["draft", "scheduled", "published", "failed"] | None = None,
    channel_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PostPublic]:
    query = select(Post).where(Post.workspace_id == principal.workspace_id)
    if status is not None:
        query = query.where(Post.status == status)
    if channel_id is not None:
        query = query.where(Post.channel_id == channel_id)
    with store.reader() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit).offset(offset))
        return Page(data=[convert.post(p) for p in rows], count=total)


@router.get("/{post_id}", response_model=PostPublic, summary="One post")
def get_post(post_id: IdPath, principal: Reader, store: StoreDep) -> PostPublic:
    with store.reader() as session:
        return convert.post(access_post_by_id(session, principal.workspace(session), post_id))
