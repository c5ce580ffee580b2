"""API tokens over the API: list (a teammate sees their own; admins every token), create (the secret is in
this one answer only), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Response

from goodwill.actions.activity import utcnow
from goodwill.actions.tokens import do_create_token, do_revoke_token, list_tokens
from goodwill.api.rest import convert
from goodwill.api.rest.access import access_teammate_by_id, access_token_by_id
from goodwill.api.rest.deps import Admin, IdPath, Reader, StoreDep
from goodwill.api.rest.errors import ApiError, field_errors, referenced
from goodwill.api.rest.schemas.audit import TokenCreate, TokenIssued, TokenPublic
from goodwill.api.rest.schemas.common import Page

router = APIRouter(prefix="/workspaces/{slug}/tokens", tags=["tokens"])


@router.get("", response_model=Page[TokenPublic], summary="API tokens (secrets are never shown again)")
def list_(principal: Reader, store: StoreDep) -> Page[TokenPublic]:
    mine_only = "admin" not in principal.scopes
    with store.reader() as session:
        rows = list_tokens(
            session, principal.workspace(session), teammate_id=principal.teammate_id if mine_only else None
        )
        data = [convert.token(t) for t in rows]
    return Page(data=data, count=len(data))


@router.post("", response_model=TokenIssued, status_code=201, summary="A new token: store its secret now")
def create(body: TokenCreate, principal: Admin, store: StoreDep) -> TokenIssued:
    if body.expires_at is not None and body.expires_at <= utcnow():
        raise ApiError(422, "a token's expiry must be in the future", field="expires_at")
    with store.session() as session:
        ws = principal.workspace(session)
        with referenced("teammate_id"):
            teammate = access_teammate_by_id(session, ws, body.teammate_id or principal.teammate_id)
        with field_errors("scopes"):
            issued = do_create_token(
                session,
                ws,
                teammate,
                name=body.name,
                scopes=list(body.scopes),
                expires_at=body.expires_at,
                acting=principal.acting,
            )
        return convert.issued(issued)


@router.delete("/{token_id}", status_code=204, response_class=Response, summary="Revoke a token")
def revoke(token_id: IdPath, principal: Admin, store: StoreDep) -> Response:
    with store.session() as session:
        ws = principal.workspace(session)
        do_revoke_token(session, ws, access_token_by_id(session, ws, token_id), acting=principal.acting)
    return Response(status_code=204)
