"""Conversation, not megaphone; and consistency: the brand's own posts, its replies, and when it is there.

Own posts ("broadcasts") are outbound messages of kind `own` that answer nothing (no parent, not private).
Each post is labelled promotional or not by the content mix classifier, goodwill.publishing.classify (its
categories and accuracy: docs/publishing.md). Replies are the brand's other outbound messages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import String, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from goodwill.analytics import text as t
from goodwill.analytics.responsiveness import Table, fetch
from goodwill.analytics.scope import Scope
from goodwill.domain.enums import Direction
from goodwill.publishing.classify import MIX_VERSION
from goodwill.publishing.mix import is_engagement_message, is_own_post
from goodwill.publishing.stored_mix import stored_answer
from goodwill.store.tables import Conversation, Message, Person
from goodwill.store.tables_publishing import PostMix

GAP_DAYS = 7  # a stretch this long without a post is a gap: "no one's home"
STAMP = len("2026-01-01 00:00:00.000000")  # a timestamp as SQLite stores it (SQLAlchemy's format)
DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25]  # where its digits are
VOICE_SAMPLE = 5000  # replies read for the voice figures: the newest in the period


def content(session: Session, scope: Scope) -> dict[str, Any]:
    return content_periods(session, (scope,))[0]


def content_periods(session: Session, scopes: Sequence[Scope]) -> list[dict[str, Any]]:
    """`content` of several periods of the same workspace and channels (the audited period and the one
    before it) from one read of their posts."""
    scope = scopes[0]
    assert all(s.workspace is scope.workspace and s.channel_ids == scope.channel_ids for s in scopes)
    # each direct reply or comment under a post starts its own conversation (goodwill.ingest.threads): counted
    # per post by an index lookup (channel, parent) in the same pass that reads the posts
    reply = aliased(Message)
    responses = (
        select(func.count(reply.id))
        .where(
            reply.channel_id == Message.channel_id,
            reply.parent_native_id == Message.native_id,
            reply.direction == Direction.INBOUND.value,
        )
        .correlate(Message)
        .scalar_subquery()
    )
    period = case(*((s.within(Message.created_at), index) for index, s in enumerate(scopes)))
    stored = and_(PostMix.message_id == Message.id, PostMix.classifier == MIX_VERSION)
    posts = fetch(  # the driver's tuples (no Row per post); the columns are plain numbers and text
        session,
        select(
            period,
            Message.channel_id,
            scope.epoch(Message.created_at),
            Message.text,
            responses,
            PostMix.text_hash,
            PostMix.promotional,
            PostMix.selling,
        )
        .outerjoin(PostMix, stored)
        .where(
            Message.channel_id.in_(scope.channel_ids),
            is_own_post(),
            or_(*(s.within(Message.created_at) for s in scopes)),
        )
        .order_by(Message.created_at),
    )
    by_period: list[dict[int, list[tuple[float, bool, float, int]]]] = [defaultdict(list) for _ in scopes]
    for index, channel_id, at, body, count, stored_hash, stored_promotional, selling in posts:
        # the classifier's answer, stored by the post-mix job when it is current (else classified here)
        promotional, score = stored_answer(body, stored_hash, stored_promotional, selling)
        by_period[int(index)][channel_id].append((float(at), promotional, score, int(count or 0)))
    return [_content(s, by_channel) for s, by_channel in zip(scopes, by_period, strict=True)]


def _content(scope: Scope, by_channel: dict[int, list[tuple[float, bool, float, int]]]) -> dict[str, Any]:
    channels = [
        _channel_content(ch.id, ch.handle, ch.network, by_channel.get(ch.id, []), scope) for ch in scope.channels
    ]
    every = [p for rows in by_channel.values() for p in rows]
    overall = _mix(every, scope)
    overall["channels_with_gaps"] = sum(1 for c in channels if c["gaps"])
    overall["silent_channels"] = [c["channel"] for c in channels if c["silent_days_at_end"] >= 2 * GAP_DAYS]
    return {"overall": overall, "channels": channels, "classifier": "content mix rules (goodwill.publishing.classify)"}


def _mix(rows: list[tuple[float, bool, float, int]], scope: Scope) -> dict[str, Any]:
    total = len(rows)
    promo = [r for r in rows if r[1]]
    useful = [r for r in rows if not r[1]]

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 2) if values else None

    return {
        "posts": total,
        "posts_per_week": round(total / (scope.days / 7), 2),
        "promotional_posts": len(promo),
        "promotional_share": round(len(promo) / total, 4) if total else None,
        "responses_per_post": mean([float(r[3]) for r in rows]),
        "responses_per_promotional_post": mean([float(r[3]) for r in promo]),
        "responses_per_useful_post": mean([float(r[3]) for r in useful]),
        "posts_without_response": sum(1 for r in rows if r[3] == 0),
        "ad_likeness": round(100 * sum(r[2] for r in rows) / total, 1) if total else None,
    }


def _channel_content(
    channel_id: int, handle: str, network: str, rows: list[tuple[float, bool, float, int]], scope: Scope
) -> dict[str, Any]:
    times = [scope.since.timestamp(), *(r[0] for r in rows), scope.until.timestamp()]
    gaps: list[dict[str, Any]] = []
    for before, after in pairwise(times):
        days = (after - before) / 86400
        if days >= GAP_DAYS:
            gaps.append(
                {
                    "from": datetime.fromtimestamp(before, UTC).isoformat(),
                    "to": datetime.fromtimestamp(after, UTC).isoformat(),
                    "days": round(days, 1),
                }
            )
    weeks = max(int(scope.days // 7), 1)
    per_week = Counter(int((r[0] - scope.since.timestamp()) // (7 * 86400)) for r in rows)
    return {
        "channel": handle,
        "channel_id": channel_id,
        "network": network,
        **_mix(rows, scope),
        "gaps": gaps,
        "longest_gap_days": max((float(g["days"]) for g in gaps), default=0.0),
        "silent_days_at_end": round((times[-1] - times[-2]) / 86400, 1),
        "weeks_without_posts": sum(1 for week in range(weeks) if per_week.get(week, 0) == 0),
        "posts_by_week": [per_week.get(week, 0) for week in range(weeks)],
    }


def _hour_counts(session: Session, scope: Scope) -> Iterable[tuple[str, str, int]]:
    """(UTC hour 'YYYY-MM-DD HH', direction, count) of the period's inbound messages and replies.

    PostgreSQL groups by hash. SQLite can only group by sorting, and ordering the period's million rows by hour
    cost more than reading them (1.4 s against 0.3 s); there one aggregate without GROUP BY returns the stored
    timestamps of each direction as one string (`group_concat`, fixed width: 'YYYY-MM-DD HH:MM:SS.ffffff'),
    counted by their first 13 characters (`_count_hours`): about 0.5 s, 26 bytes a message.
    Timestamps not in that form (not written by goodwill) are grouped by SQLite as before."""
    where = (  # the channels as `+channel_id`: one pass over the table, not the channels' index and a look-up each
        scope.unindexed(Message.channel_id).in_(scope.channel_ids),
        scope.within(Message.created_at),
        or_(Message.direction == Direction.INBOUND.value, is_engagement_message()),
    )
    if scope.dialect == "sqlite":
        stamps = func.group_concat(Message.created_at, literal(""), type_=String)  # the stored text, as it is
        joined = session.execute(
            select(
                stamps.filter(Message.direction == Direction.INBOUND.value),
                stamps.filter(Message.direction == Direction.OUTBOUND.value),
            ).where(*where)
        ).one()
        inbound, replies = (_count_hours(text or "") for text in joined)
        if inbound is not None and replies is not None:
            return [(hour, Direction.INBOUND.value, n) for hour, n in inbound.items()] + [
                (hour, Direction.OUTBOUND.value, n) for hour, n in replies.items()
            ]
    bucket = scope.hour_bucket(Message.created_at)
    query = select(bucket, Message.direction, func.count()).where(*where).group_by(bucket, Message.direction)
    return [(str(hour), str(direction), int(count)) for hour, direction, count in session.execute(query)]


def _count_hours(joined: str) -> Counter[str] | None:
    """Counts of 'YYYY-MM-DD HH' in a string of STAMP-wide timestamps; None unless every one has that form.
    Counted on the bytes with numpy: each hour as a number (year, month, day, hour in mixed radix), counted
    by bincount; about 0.05 s for 600,000 timestamps, against 0.2 s for a Counter of the 13-character
    slices."""
    if not joined:
        return Counter()
    if len(joined) % STAMP or not joined.isascii():
        return None
    grid = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, STAMP)
    separators = ((4, b"-"), (7, b"-"), (10, b" "), (13, b":"), (16, b":"), (19, b"."))
    if any((grid[:, at] != ord(char)).any() for at, char in separators):
        return None
    if ((grid[:, DIGITS] - ord("0")) > 9).any():  # uint8: a byte below "0" wraps round to above 9
        return None

    def number(first: int, last: int) -> Any:  # int32 in place: the hour's key stays under 2**31
        value = grid[:, first].astype(np.int32)
        value -= ord("0")
        for at in range(first + 1, last):
            value *= 10
            value += grid[:, at]
            value -= ord("0")
        return value

    month, day, hour = number(5, 7), number(8, 10), number(11, 13)
    if month.min() < 1 or month.max() > 12 or day.min() < 1 or day.max() > 31 or hour.max() > 23:
        return None  # not a time (the GROUP BY, then the hour's parsing, says so)
    key = ((number(0, 4) * 12 + month - 1) * 31 + day - 1) * 24 + hour
    low = int(key.min())
    counts = np.bincount(key - low)
    hours: Counter[str] = Counter()
    for offset in np.flatnonzero(counts).tolist():
        value = low + offset
        days, hour = divmod(value, 24)
        months, day = divmod(days, 31)
        year, month = divmod(months, 12)
        hours[f"{year:04d}-{month + 1:02d}-{day + 1:02d} {hour:02d}"] = int(counts[offset])
    return hours


def coverage(session: Session, scope: Scope) -> dict[str, Any]:
    """When customers write versus when the team answers, by local hour of the day (workspace time zone)."""
    zone = ZoneInfo(scope.workspace.timezone or "UTC")
    inbound = [0] * 24
    replies = [0] * 24
    for hour, direction, count in _hour_counts(session, scope):
        local = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(zone).hour
        (inbound if direction == Direction.INBOUND.value else replies)[local] += int(count)
    total_in, total_out = sum(inbound), sum(replies)
    uncovered = [
        h for h in range(24) if total_in and inbound[h] >= 0.03 * total_in and replies[h] < 0.01 * max(total_out, 1)
    ]
    return {
        "timezone": str(zone),
        "inbound_by_hour": inbound,
        "replies_by_hour": replies,
        "uncovered_hours": uncovered,
        "inbound_in_uncovered_hours_share": round(sum(inbound[h] for h in uncovered) / total_in, 4)
        if total_in
        else None,
    }


def voice(session: Session, scope: Scope, table: Table) -> dict[str, Any]:
    """How the brand sounds in replies, read from the newest replies of the period (at most VOICE_SAMPLE)."""
    newest = (  # the sample: a walk of the replies by time (ix_message_reply_time) from the period's end
        select(Message.id, Message.created_at)
        .where(
            scope.unindexed(Message.channel_id).in_(scope.channel_ids),
            is_engagement_message(),
            scope.within(Message.created_at),
        )
        .order_by(Message.created_at.desc())
        .limit(VOICE_SAMPLE)
        .subquery()
    )
    rows = session.execute(
        select(Message.text, Message.conversation_id, Person.display_name)
        .select_from(newest)
        .join(Message, Message.id == newest.c.id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(Person, Person.id == Conversation.person_id)
        .order_by(newest.c.created_at.desc())
    ).all()
    intent_of = dict(zip(table.ids.tolist(), table.intent.tolist(), strict=True))
    firsts = [(body, cid, (name or "").split()[0] if name else None) for body, cid, name in rows]
    keys = Counter(t.canned_key(body, first) for body, _cid, first in firsts)
    personal_flags = [t.is_personal(body, first) for body, _cid, first in firsts]
    canned = sum(
        1
        for (body, _cid, first), named in zip(firsts, personal_flags, strict=True)
        if not named and keys[t.canned_key(body, first)] >= 3
    )
    personal = sum(personal_flags)
    selling = sum(1 for body, _cid, _first in firsts if t.is_promotional(body))
    complaint = [body for body, cid, _first in firsts if intent_of.get(cid) == "complaint"]
    apologies = [body for body in complaint if t.is_apology(body)]
    with_step = [body for body in apologies if t.has_next_step(body)]
    total = len(firsts)

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    top = [{"text": key, "times": n} for key, n in keys.most_common(5) if n >= 3]
    return {
        "replies_read": total,
        "canned_share": share(canned, total),
        "personal_share": share(personal, total),
        "selling_share": share(selling, total),
        "complaint_replies": len(complaint),
        "apology_share": share(len(apologies), len(complaint)),
        "apology_with_next_step_share": share(len(with_step), len(complaint)),
        "most_repeated": top,
    }
