"""Webhook receivers: X account activity, Meta (Pages, Messenger, Instagram) and WordPress.

One URL per channel (`/webhooks/{x|meta|blog}/{channel id}`): the channel in the URL names the secret to check
the signature with (X consumer secret, Meta app secret, the blog's webhook secret, all in the channel's
encrypted credentials). A delivery can concern several of our accounts on the same app (every X user or Page
subscribed to it): each part goes to the channel of that account whose secret is the same one.

Order of checks, each refusing with nothing stored: size (413, counted over the bytes actually read, not the
declared length) -> signature over the raw bytes in constant time (401) -> replay window where the platform
signs a time (401) -> JSON and shape (400) -> every message valid (400). Then ingest stores each message
once per (channel, native id), so a platform's retry answers 200 and stores nothing new.

Inline or queued: with no job queue (`app.state.jobs` is None) the receiver ingests before answering. With
one, it keeps the verified bytes as an `inbound_delivery` row (one short transaction: durable before the
200) and wakes a worker; `store_raw` then parses the same bytes again and ingests them, so a worker that
dies half-way leaves the row to the next one and the dedupe keeps every message stored once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from goodwill.connectors.base import AuthExpired, Delivery
from goodwill.connectors.health import Status, after_failure
from goodwill.connectors.meta import webhook as meta_hook
from goodwill.connectors.secrets import unseal
from goodwill.connectors.wordpress import webhook as blog_hook
from goodwill.connectors.x import webhook as x_hook
from goodwill.domain.message import InvalidMessage, NormalisedMessage
from goodwill.ingest.pipeline import ChannelRef, IngestResult, ingest
from goodwill.store import Store
from goodwill.store.tables import Channel

TARGET_TTL = 10.0
if TYPE_CHECKING:
    from goodwill.jobs.deliveries import DeliveryWriter

MAX_BODY = 1 << 20  # 1 MiB: Meta batches, X sends one event per POST; anything larger is not a delivery
router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@dataclass(frozen=True, slots=True)
class Family:
    networks: tuple[str, ...]
    secret_key: str  # the credential that signs deliveries


FAMILIES = {
    "x": Family(("x",), "consumer_secret"),
    "meta": Family(("facebook", "instagram"), "app_secret"),
    "blog": Family(("blog",), "webhook_secret"),
}


@dataclass(slots=True)
class Target:
    channel: ChannelRef
    credentials: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)


def _store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


def _load(store: Store, family: str, channel_id: int) -> Target:
    with store.reader() as session:
        channel = session.get(Channel, channel_id)
        if channel is None or channel.network not in FAMILIES[family].networks:
            raise HTTPException(404, "no such webhook")
        return Target(ChannelRef.of(channel), unseal(channel.credentials), dict(channel.config or {}))


def _siblings(store: Store, family: str, secret: str) -> dict[str, list[Target]]:
    """Our channels on this family's networks signed by the same secret, by account id."""
    found: dict[str, list[Target]] = {}
    key = FAMILIES[family].secret_key
    with store.reader() as session:
        for channel in session.scalars(select(Channel).where(Channel.network.in_(FAMILIES[family].networks))):
            credentials = unseal(channel.credentials)
            theirs = str(credentials.get(key) or "")
            if theirs and hmac.compare_digest(theirs.encode(), secret.encode()):
                target = Target(ChannelRef.of(channel), credentials, dict(channel.config or {}))
                found.setdefault(channel.account_id, []).append(target)
    return found


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(413, "delivery too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, "delivery too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "the delivery is not JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the delivery is not a JSON object")
    return body


def _validate(deliveries: list[Delivery]) -> int:
    """Every message valid, else 400 (a bad message refuses the whole delivery). Returns how many."""
    count = 0
    for delivery in deliveries:
        for message in delivery.messages:
            try:
                message.validate()
            except InvalidMessage as exc:
                raise HTTPException(400, f"malformed delivery: {exc}") from exc
            count += 1
    return count


@dataclass(slots=True)
class Routed:
    """A delivery's messages by the channel they belong to, and its control events."""

    parts: list[tuple[ChannelRef, list[NormalisedMessage]]] = field(default_factory=list)
    controls: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)
    ignored: int = 0


def _route(family: str, deliveries: list[Delivery], targets: dict[str, list[Target]]) -> Routed:
    routed = Routed()
    for delivery in deliveries:
        for target in targets.get(delivery.account_id, []):
            wanted = [m for m in delivery.messages if m.network.value == target.channel.network]
            if wanted:
                routed.parts.append((target.channel, wanted))
            if delivery.events:
                routed.controls.append((target.channel.id, delivery.events))
        if delivery.account_id not in targets:
            routed.ignored += len(delivery.messages)
    return routed


def _store_deliveries(
    store: Store, family: str, secret: str, deliveries: list[Delivery], now: datetime
) -> dict[str, Any]:
    """Validate everything first, then ingest part by part."""
    _validate(deliveries)
    routed = _route(family, deliveries, _siblings(store, family, secret))
    total = IngestResult()
    for channel, messages in routed.parts:
        total.add(ingest(store, channel, messages))
    events = apply_controls(store, routed, now)
    return {
        "received": total.received,
        "stored": total.stored,
        "duplicates": total.duplicates,
        "ignored": routed.ignored,
        "events": events,
    }


def apply_controls(store: Store, routed: Routed, now: datetime) -> int:
    return sum(_control(store, channel_id, events, now) for channel_id, events in routed.controls)


def route_raw(store: Store, family: str, channel_id: int, raw: bytes, cache: dict[tuple[str, Any], Any]) -> Routed:
    """Parse a queued delivery again and route it to our channels (the worker's half; `cache` keeps targets
    and siblings across the deliveries of one drain). Raises HTTPException when the channel is gone or the
    body no longer parses."""
    target = cache.get((family, channel_id))
    if target is None:
        target = cache[(family, channel_id)] = _load(store, family, channel_id)
    secret = _secret(family, target)
    deliveries = _parse(family, target, _json(raw))
    _validate(deliveries)
    siblings = cache.get((family, secret))
    if siblings is None:
        siblings = cache[(family, secret)] = _siblings(store, family, secret)
    return _route(family, deliveries, siblings)


def _control(store: Store, channel_id: int, events: list[dict[str, Any]], now: datetime) -> int:
    """Control events that change the channel: access revoked (needs re-authorisation), an Instagram mention
    to read on the next sync (its webhook carries ids only)."""
    acted = 0
    for event in events:
        if event.get("type") not in ("revoked", "mention"):
            continue
        with store.session() as session:
            channel = session.get(Channel, channel_id, with_for_update=True)
            if channel is None:
                continue
            if event["type"] == "revoked":
                status = after_failure(
                    Status.from_channel(channel.health, channel.config or {}),
                    AuthExpired("the account revoked goodwill's access"),
                    now,
                )
                channel.health = status.health.value
                channel.config = {**(channel.config or {}), "status": status.as_json()}
            else:
                pending = list((channel.cursor or {}).get("mentions_pending") or [])
                item = {"media_id": event.get("media_id"), "comment_id": event.get("comment_id")}
                if item not in pending:
                    channel.cursor = {**(channel.cursor or {}), "mentions_pending": [*pending, item]}
        acted += 1
    return acted


def _parse(family: str, target: Target, body: dict[str, Any]) -> list[Delivery]:
    """The deliveries in a verified body. A body of an unexpected shape (a list where an object belongs, a
    missing key) is the sender's error, answered 400 with nothing stored, never a 500."""
    try:
        if family == "x":
            return x_hook.parse_delivery(body)
        if family == "meta":
            return meta_hook.parse_delivery(body)
        site = str(target.config.get("site") or target.channel.account_id)
        found = blog_hook.parse_delivery(body, site=site, self_user=int(target.config.get("user_id") or 0))
    except (AttributeError, TypeError, KeyError, IndexError, ValueError, OverflowError) as exc:
        raise HTTPException(400, f"malformed delivery: {exc.__class__.__name__}: {exc}"[:300]) from exc
    # The delivery names no account: it is for the channel in the URL.
    return [Delivery(account_id=target.channel.account_id, messages=d.messages) for d in found]


def _secret(family: str, target: Target) -> str:
    return str(target.credentials.get(FAMILIES[family].secret_key) or "")


async def _answer(
    request: Request, family: str, target: Target, raw: bytes, deliveries: list[Delivery]
) -> JSONResponse:
    """Ingest now, or (with a job queue) keep the delivery for a worker and answer at once."""
    store, jobs = _store(request), getattr(request.app.state, "jobs", None)
    if jobs is None:
        secret, now = _secret(family, target), _now(request)
        return JSONResponse(await run_in_threadpool(_store_deliveries, store, family, secret, deliveries, now))
    accepted = sum(len(d.messages) for d in deliveries)
    future = _writer(request).submit(family, target.channel.id, raw, _now(request))
    return JSONResponse({"accepted": accepted, "queued": await asyncio.wrap_future(future)})


def _writer(request: Request) -> DeliveryWriter:
    """The app's group-commit writer for queued deliveries (one per process, started on first use)."""
    from goodwill.jobs.deliveries import DeliveryWriter

    state = request.app.state
    if getattr(state, "delivery_writer", None) is None:
        state.delivery_writer = DeliveryWriter(state.jobs)
    return state.delivery_writer  # type: ignore[no-any-return]


async def _target(request: Request, family: str, channel_id: int) -> Target:
    return await target_for(request.app.state, _store(request), family, channel_id)


async def target_for(state: Any, store: Store, family: str, channel_id: int) -> Target:
    """The channel behind the URL. With a job queue (the high-rate setup) it is kept for TARGET_TTL seconds
    per process, so a delivery costs no read; a changed secret is seen within that time."""
    if getattr(state, "jobs", None) is None:
        return await run_in_threadpool(_load, store, family, channel_id)
    if getattr(state, "targets", None) is None:
        state.targets = {}
    cache: dict[tuple[str, int], tuple[float, Target]] = state.targets
    kept = cache.get((family, channel_id))
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    target = await run_in_threadpool(_load, store, family, channel_id)
    cache[(family, channel_id)] = (time.monotonic() + TARGET_TTL, target)
    return target


class Headers(Protocol):
    def get(self, key: str) -> str | None: ...


def check(family: str, target: Target, raw: bytes, headers: Headers, now: datetime) -> list[Delivery]:
    """The checks after the size, in order (signature 401, replay window 401, JSON and shape 400, every
    message valid 400): the deliveries in a body that passed them. `headers` by lower-case name. Shared by
    the routes below and the queued receiver (goodwill.api.receiver), so both refuse the same bodies."""
    secret = _secret(family, target)
    if family == "x":
        if not x_hook.signature_valid(secret, raw, headers.get(x_hook.SIGNATURE_HEADER.lower())):
            raise HTTPException(401, "bad signature")
        deliveries = _parse("x", target, _json(raw))
    elif family == "meta":
        if not meta_hook.signature_valid(secret, raw, headers.get(meta_hook.SIGNATURE_HEADER.lower())):
            raise HTTPException(401, "bad signature")
        body = _json(raw)
        if not isinstance(body.get("entry"), list) or not all(isinstance(e, dict) for e in body["entry"]):
            raise HTTPException(400, "a Meta delivery has an entry list of objects")
        max_age = meta_hook.MAX_AGE
        if target.config.get("webhook_max_age"):
            max_age = type(max_age)(seconds=int(target.config["webhook_max_age"]))
        if meta_hook.stale_entries(body, now, max_age):
            raise HTTPException(401, "stale delivery (replayed?)")
        deliveries = _parse("meta", target, body)
    else:
        stamp = headers.get(blog_hook.TIMESTAMP_HEADER.lower())
        if not blog_hook.signature_valid(secret, raw, headers.get(blog_hook.SIGNATURE_HEADER.lower()), stamp):
            raise HTTPException(401, "bad signature")
        if not blog_hook.fresh(stamp, now):
            raise HTTPException(401, "stale delivery (replayed?)")
        deliveries = _parse("blog", target, _json(raw))
    _validate(deliveries)
    return deliveries


@router.get("/x/{channel_id}")
async def x_crc(request: Request, channel_id: int, crc_token: str) -> JSONResponse:
    target = await run_in_threadpool(_load, _store(request), "x", channel_id)
    secret = str(target.credentials.get("consumer_secret") or "")
    if not secret:
        raise HTTPException(404, "no such webhook")
    return JSONResponse(x_hook.crc_response(secret, crc_token))


@router.post("/x/{channel_id}")
async def x_delivery(request: Request, channel_id: int) -> JSONResponse:
    return await _receive(request, "x", channel_id)


@router.get("/meta/{channel_id}")
async def meta_handshake(request: Request, channel_id: int) -> PlainTextResponse:
    target = await run_in_threadpool(_load, _store(request), "meta", channel_id)
    challenge = meta_hook.handshake(dict(request.query_params), str(target.credentials.get("verify_token") or ""))
    if challenge is None:
        raise HTTPException(403, "verify token mismatch")
    return PlainTextResponse(challenge)


@router.post("/meta/{channel_id}")
async def meta_delivery(request: Request, channel_id: int) -> JSONResponse:
    return await _receive(request, "meta", channel_id)


@router.post("/blog/{channel_id}")
async def blog_delivery(request: Request, channel_id: int) -> JSONResponse:
    return await _receive(request, "blog", channel_id)


async def _receive(request: Request, family: str, channel_id: int) -> JSONResponse:
    raw = await _body(request)
    target = await _target(request, family, channel_id)
    deliveries = check(family, target, raw, request.headers, _now(request))
    return await _answer(request, family, target, raw, deliveries)
