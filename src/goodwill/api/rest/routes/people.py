"""People: who the brand talks with, their identities across networks, the relationship (read-only here;
the relationships library adds merges, notes and nudges)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from goodwill.api.rest import convert
from goodwill.api.rest.access import access_person_by_id
from goodwill.api.rest.deps import IdPath, Limit, Offset, Reader, StoreDep
from goodwill.api.rest.schemas.common import Page, ShortText
from goodwill.api.rest.schemas.people import PersonDetail, PersonPublic
from goodwill.store.tables import Identity, Person, Relationship

router = APIRouter(prefix="/workspaces/{slug}/people", tags=["people"])


@router.get("", response_model=Page[PersonPublic], summary="People, newest first")
def list_people(
    principal: Reader,
    store: StoreDep,
    q: Annotated[ShortText | None, Query(description="Part of a name or handle")] = None,
    vip: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PersonPublic]:
    query = select(Person).where(Person.workspace_id == principal.workspace_id)
    if q:
        like = f"%{q.lower().replace('%', '').replace('_', '')}%"
        handles = select(Identity.person_id).where(
            Identity.workspace_id == principal.workspace_id, func.lower(Identity.handle).like(like)
        )
        query = query.where((func.lower(Person.display_name).like(like)) | Person.id.in_(handles))
    if vip is not None:
        query = query.where(Person.is_vip == vip)
    with store.reader() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Person.id.desc()).limit(limit).offset(offset))
        return Page(data=[convert.person(p) for p in rows], count=total)


@router.get("/{person_id}", response_model=PersonDetail, summary="A person, their identities and relationship")
def get_person(person_id: IdPath, principal: Reader, store: StoreDep) -> PersonDetail:
    with store.reader() as session:
        person = access_person_by_id(session, principal.workspace(session), person_id)
        identities = session.scalars(select(Identity).where(Identity.person_id == person.id).order_by(Identity.id))
        rel = session.scalar(select(Relationship).where(Relationship.person_id == person.id))
        return PersonDetail(
            **convert.person(person).model_dump(),
            fields=person.fields or {},
            identities=[convert.identity(i) for i in identities],
            relationship=convert.relationship(rel) if rel is not None else None,
        )
