"""The FastAPI application. Routers are mounted here and nowhere else; each keeps its own prefix.

`create_app(store)` takes the store to serve (tests pass their own; `goodwill serve` passes the configured one),
so nothing reads global state at import time. Later routers (the REST API, the dashboard) are added to
`ROUTERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI

from goodwill import __version__, web
from goodwill.api import rest, webhooks
from goodwill.api.receiver import QueuedReceiver
from goodwill.settings import get_settings
from goodwill.store import Store

if TYPE_CHECKING:
    from goodwill.jobs.queue import Jobs

ROUTERS: list[APIRouter] = [webhooks.router, rest.router, web.router]


def create_app(
    store: Store | None = None, *, clock: Callable[[], datetime] | None = None, jobs: Jobs | None = None
) -> FastAPI:
    """The app over `store` (default: the configured database). `clock` replaces the time used for replay
    windows (tests). With `jobs` (goodwill.jobs.consumer.jobs_for), webhook deliveries are kept and queued
    for the workers instead of ingested inside the request (goodwill.api.receiver answers them)."""
    app = FastAPI(
        title="goodwill",
        version=__version__,
        description="The REST API of goodwill (docs/api.md): authenticate with `Authorization: Bearer <token>`.",
    )
    rest.install(app)
    app.state.store = store or Store(get_settings().resolved_database_url())
    app.state.clock = clock
    app.state.jobs = jobs
    for router in ROUTERS:
        app.include_router(router)
    web.install(app)
    app.add_middleware(QueuedReceiver)  # queued webhook deliveries answered before FastAPI's routing
    app.add_middleware(web.SecurityHeaders)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
