"""The REST API under /api/v1 (docs/api.md): workspace-scoped resources, bearer tokens with scopes, JSON
errors. `router` carries every resource's routes; `install(app)` adds it and the error handlers."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from goodwill.api.rest import errors
from goodwill.api.rest.routes import (
    approvals,
    audit,
    conversations,
    messages,
    people,
    policy,
    posts,
    replies,
    tokens,
    workspaces,
)

PREFIX = "/api/v1"
router = APIRouter(prefix=PREFIX, responses=errors.ERROR_RESPONSES)
for module in (workspaces, conversations, messages, replies, approvals, people, posts, policy, audit, tokens):
    router.include_router(module.router)
router.include_router(workspaces.scoped)


def install(app: FastAPI) -> None:
    """The JSON error handlers (for /api paths; others keep FastAPI's bodies)."""
    errors.install(app)


__all__ = ["PREFIX", "install", "router"]
