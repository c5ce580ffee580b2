"""The queued webhook receivers as plain ASGI, in front of FastAPI's routing: the high-rate path.

With a job queue (`create_app(store, jobs=...)`), a POST to `/webhooks/{x|meta|blog}/{channel id}` is answered
here: the body read within MAX_BODY (413), the channel from the per-process cache, the same checks as the
routes in goodwill.api.webhooks (`check`: signature, replay window, JSON, every message valid), then the
verified bytes handed to the group-commit writer and 200 once they are committed. Nothing else happens per
request: no routing, no dependency solving, no Request object, no thread hop; at hundreds of deliveries a
second FastAPI's own per-request machinery cost more than the checks. Every other request (and every
webhook request without a queue, where the receiver ingests inline) goes on to FastAPI unchanged.

Refusals carry the same statuses and `{"detail": ...}` bodies as FastAPI's HTTPException answers, and
nothing is kept for them. The app's outer middleware (security headers, the 500 handler) still applies.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException

from goodwill.api import webhooks

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
PREFIX = "/webhooks/"


class QueuedReceiver:
    """ASGI middleware: queued webhook deliveries answered here, everything else passed to `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith(PREFIX):
            state = scope["app"].state
            family, _, channel = scope["path"][len(PREFIX) :].partition("/")
            if getattr(state, "jobs", None) is not None and family in webhooks.FAMILIES and channel.isdigit():
                await self._receive(state, family, int(channel), scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _receive(
        self, state: Any, family: str, channel_id: int, scope: Scope, receive: Receive, send: Send
    ) -> None:
        try:
            headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
            raw = await _body(headers, receive)
            target = await webhooks.target_for(state, state.store, family, channel_id)
            clock = getattr(state, "clock", None)
            now = clock() if clock else datetime.now(UTC)
            deliveries = webhooks.check(family, target, raw, headers, now)
            if getattr(state, "delivery_writer", None) is None:
                from goodwill.jobs.deliveries import DeliveryWriter

                state.delivery_writer = DeliveryWriter(state.jobs)
            future = state.delivery_writer.submit(family, target.channel.id, raw, now)
            queued = await asyncio.wrap_future(future)
            status, answer = 200, {"accepted": sum(len(d.messages) for d in deliveries), "queued": queued}
        except HTTPException as exc:
            status, answer = exc.status_code, {"detail": exc.detail}
        body = json.dumps(answer, separators=(",", ":")).encode()
        length = str(len(body)).encode()
        start = [(b"content-type", b"application/json"), (b"content-length", length)]
        await send({"type": "http.response.start", "status": status, "headers": start})
        await send({"type": "http.response.body", "body": body})


async def _body(headers: dict[str, str], receive: Receive) -> bytes:
    """The request's bytes, refused (413) past MAX_BODY, counted over what was actually read."""
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > webhooks.MAX_BODY:
        raise HTTPException(413, "delivery too large")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise HTTPException(400, "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > webhooks.MAX_BODY:
            raise HTTPException(413, "delivery too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
