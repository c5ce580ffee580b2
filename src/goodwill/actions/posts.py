"""The brand's own posts: create, edit, schedule, approve, reject, cancel, retry; the publishing policy and
queue slots. Every function is one step of the caller's transaction with its audit row; events go after commit.

A Post's life: draft -> (approval ->) scheduled -> published, or failed (retry -> scheduled), or cancelled.
Scheduling writes the post's PostDelivery (the publish job's work item, goodwill.jobs.publish); cancelling,
rescheduling and editing are refused while the job is sending the post (its outcome is not known yet).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from goodwill.actions.activity import MANAGERS, check_can_manage, check_can_write, send_after_commit, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound, do_write_settings
from goodwill.domain.enums import PostStatus
from goodwill.events import PostScheduled
from goodwill.inbox.model import OutboxStatus
from goodwill.publishing import drafts
from goodwill.publishing.classify import classify_post
from goodwill.publishing.mix import MixCheck, check_draft_mix
from goodwill.publishing.schedule import next_free_slot, parse_slot, slot_label
from goodwill.store.tables import Channel, Post, Teammate, Workspace
from goodwill.store.tables_publishing import PostDelivery, PostSlot

EDITABLE = (PostStatus.DRAFT.value, PostStatus.APPROVAL.value, PostStatus.SCHEDULED.value, PostStatus.FAILED.value)
PAST_GRACE = timedelta(minutes=1)  # "now" typed by a person is a few seconds old when it arrives


class PromotionalShareExceeded(ValueError):
    """Scheduling this post would push its channel's feed over the workspace's promotional share."""

    def __init__(self, check: MixCheck) -> None:
        super().__init__(check.message())
        self.check = check


def _audit(session: Session, workspace: Workspace, acting: Acting, action: str, post: Post, **data: Any) -> None:
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action=action,
        object_type="post",
        object_id=post.id,
        data=dict(data),
    )


def access_post_by_id(session: Session, workspace: Workspace, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None or post.workspace_id != workspace.id:
        raise NotFound(f"no post {post_id} in workspace {workspace.slug!r}")
    return post


def access_channel_by_ref(session: Session, workspace: Workspace, ref: str | int) -> Channel:
    """A channel by id, handle (with or without @) or network (when the workspace has one channel on it)."""
    query = select(Channel).where(Channel.workspace_id == workspace.id)
    text = str(ref).strip()
    if text.isdigit():
        found = list(session.scalars(query.where(Channel.id == int(text))))
    else:
        wanted = text.lstrip("@").lower()
        found = list(session.scalars(query.where(func.lower(Channel.handle) == wanted)))
        found = found or list(session.scalars(query.where(Channel.network == wanted)))
    if len(found) != 1:
        why = "more than one channel matches: give its id" if found else "give its id, handle or network"
        raise NotFound(f"no single channel {ref!r} in workspace {workspace.slug!r}: {why}")
    return found[0]


def check_can_publish(channel: Channel) -> None:
    """The channel's connector declares Capability.POST (else nothing could ever publish the post)."""
    import goodwill.connectors.local  # noqa: F401 - registers the "local" connector
    from goodwill.connectors import registry
    from goodwill.connectors.base import Capability

    name = (channel.config or {}).get("connector") or channel.network
    if not registry.can(name, Capability.POST):
        raise ValueError(
            f"channel {channel.id} ({channel.network} {channel.handle}) cannot publish posts: "
            f"its connector ({name}) does not post"
        )


def _delivery(session: Session, post: Post) -> PostDelivery | None:
    return session.scalar(select(PostDelivery).where(PostDelivery.post_id == post.id))


def _check_not_sending(session: Session, post: Post) -> PostDelivery | None:
    delivery = _delivery(session, post)
    if delivery is not None and delivery.status == OutboxStatus.SENDING.value:
        raise ValueError(f"post {post.id} is being published right now: wait for the outcome")
    if post.status == PostStatus.PUBLISHED.value or (delivery and delivery.status == OutboxStatus.SENT.value):
        raise ValueError(f"post {post.id} is already published")
    return delivery


def do_create_post(
    session: Session,
    workspace: Workspace,
    *,
    channels: Sequence[Channel],
    text: str,
    acting: Acting,
    variants: Mapping[str, str] | None = None,
    links: Sequence[str] = (),
    media: Sequence[str] = (),
    title: str | None = None,
    now: datetime | None = None,
) -> list[Post]:
    """A draft for one or more channels: one Post per channel, grouped, each with its channel's text (its
    variant, else `text`) checked against the network's length limit. Nothing is written if one fails."""
    now = now or utcnow()
    check_can_write(session, workspace, acting)
    if not channels:
        raise ValueError("a post needs at least one channel")
    if len({c.id for c in channels}) != len(channels):
        raise ValueError("a channel is listed twice")
    clean_links, clean_media = drafts.check_links(links), drafts.check_media(media)
    texts = []
    for channel in channels:
        if channel.workspace_id != workspace.id:
            raise NotFound(f"no channel {channel.id} in workspace {workspace.slug!r}")
        check_can_publish(channel)
        texts.append(
            drafts.check_text(channel, drafts.with_links(drafts.text_for(channel, text, variants), clean_links))
        )
    group = uuid.uuid4().hex
    posts = []
    for channel, body in zip(channels, texts, strict=True):
        detail: dict[str, Any] = {"group": group, "links": clean_links, "media": clean_media}
        detail["category"] = classify_post(body).category.value
        if title:
            detail["title"] = title.strip()
        post = Post(
            workspace_id=workspace.id,
            channel_id=channel.id,
            status=PostStatus.DRAFT.value,
            text=body,
            scheduled_at=None,
            published_at=None,
            message_id=None,
            created_by_id=acting.teammate_id,
            detail=detail,
            created_at=now,
        )
        session.add(post)
        session.flush()
        _audit(session, workspace, acting, "post.create", post, channel_id=channel.id, group=group)
        posts.append(post)
    return posts


def do_edit_post(
    session: Session,
    workspace: Workspace,
    post: Post,
    *,
    text: str | None = None,
    links: Sequence[str] | None = None,
    media: Sequence[str] | None = None,
    acting: Acting,
) -> Post:
    """Change a post that is not published yet. A scheduled post keeps its time; where the workspace asks for
    approval, an edited post goes back to waiting for it."""
    check_can_write(session, workspace, acting)
    if post.status not in EDITABLE:
        raise ValueError(f"post {post.id} is {post.status}: only an unpublished post is edited")
    delivery = _check_not_sending(session, post)
    channel = session.get_one(Channel, post.channel_id)
    detail = dict(post.detail or {})
    if links is not None:
        detail["links"] = drafts.check_links(links)
    if media is not None:
        detail["media"] = drafts.check_media(media)
    before = post.text
    body = drafts.with_links(text if text is not None else post.text, detail.get("links") or [])
    post.text = drafts.check_text(channel, body)
    detail["category"] = classify_post(post.text).category.value
    post.detail = detail
    if post.status == PostStatus.SCHEDULED.value and _needs_approval(session, workspace, acting):
        post.status = PostStatus.APPROVAL.value
        if delivery is not None:
            session.delete(delivery)
    _audit(session, workspace, acting, "post.edit", post, before=before, after=post.text)
    return post


def _needs_approval(session: Session, workspace: Workspace, acting: Acting) -> bool:
    mode = drafts.publishing_policy(workspace)["approval"]
    if mode == "all":
        return True
    if mode == "agents" and acting.teammate_id is not None:
        teammate = session.get(Teammate, acting.teammate_id)
        return teammate is None or teammate.role not in MANAGERS
    return False


def do_schedule_post(
    session: Session,
    workspace: Workspace,
    post: Post,
    *,
    at: datetime | None,
    acting: Acting,
    anyway: bool = False,
    now: datetime | None = None,
) -> MixCheck:
    """Schedule (or reschedule) a post at `at`, or in its channel's next free queue slot when `at` is None.

    Refused with PromotionalShareExceeded when the post would push its channel's feed over the workspace's
    promotional share, unless `anyway` (the check is then kept on the post). Where the workspace asks for
    approval the post waits for it (status `approval`); otherwise the publish job sends it at `at`."""
    now = now or utcnow()
    check_can_write(session, workspace, acting)
    if post.status not in EDITABLE:
        raise ValueError(f"post {post.id} is {post.status}: only an unpublished post is scheduled")
    delivery = _check_not_sending(session, post)
    channel = session.get_one(Channel, post.channel_id)
    if at is None:
        at = next_free_slot(session, workspace, channel, after=now)
    if at.tzinfo is None:
        raise ValueError("give the time with a time zone")
    if at < now - PAST_GRACE:
        raise ValueError(f"{at:%Y-%m-%d %H:%M} UTC is in the past: give a later time")
    at = max(at, now)
    check = check_draft_mix(session, workspace, post, at)
    if check.over and not anyway:
        raise PromotionalShareExceeded(check)
    post.scheduled_at = at
    post.detail = {**(post.detail or {}), "mix_check": check.as_dict(), "category": check.category}
    if _needs_approval(session, workspace, acting):
        post.status = PostStatus.APPROVAL.value
        post.detail = {
            **post.detail,
            "approval_requested_by": acting.label,
            "approval_requested_by_id": acting.teammate_id,
        }
        if delivery is not None:
            session.delete(delivery)
        _audit(session, workspace, acting, "post.schedule", post, at=at.isoformat(), held=True, over=check.over)
        return check
    _queue(session, post, delivery, at, now)
    _audit(session, workspace, acting, "post.schedule", post, at=at.isoformat(), held=False, over=check.over)
    return check


def _queue(session: Session, post: Post, delivery: PostDelivery | None, at: datetime, now: datetime) -> None:
    """Mark the post scheduled and (re)write its delivery for `at`, keeping an existing idempotency key."""
    post.status = PostStatus.SCHEDULED.value
    post.scheduled_at = at
    if delivery is None:
        delivery = PostDelivery(
            workspace_id=post.workspace_id,
            post_id=post.id,
            channel_id=post.channel_id,
            idempotency_key=f"post-{post.id}-{uuid.uuid4().hex[:12]}",
            status=OutboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=at,
            created_at=now,
        )
        session.add(delivery)
    delivery.status = OutboxStatus.PENDING.value
    delivery.attempts = 0  # a (re)scheduled post gets its full share of attempts; the key stays
    delivery.next_attempt_at = at
    delivery.claimed_until = None
    session.flush()
    send_after_commit(session, PostScheduled(post.workspace_id, post.id, at.isoformat()))


def _check_can_approve(session: Session, workspace: Workspace, post: Post, acting: Acting) -> None:
    """Owners and admins approve (and the CLI, as the owner); nobody approves a post they asked to publish."""
    if post.status != PostStatus.APPROVAL.value:
        raise ValueError(f"post {post.id} is {post.status}: it is not waiting for approval")
    if acting.teammate_id is None:
        return
    check_can_manage(session, workspace, acting)
    if acting.teammate_id == (post.detail or {}).get("approval_requested_by_id"):
        raise PermissionError(f"{acting.label} asked to publish this post: another owner or admin approves it")


def do_approve_post(
    session: Session, workspace: Workspace, post: Post, *, acting: Acting, now: datetime | None = None
) -> Post:
    """Approve a post waiting for approval: it is scheduled at its time (or now, if that has passed)."""
    now = now or utcnow()
    _check_can_approve(session, workspace, post, acting)
    at = max(post.scheduled_at or now, now)
    _queue(session, post, _delivery(session, post), at, now)
    post.detail = {**(post.detail or {}), "approved_by": acting.label}
    _audit(session, workspace, acting, "post.approve", post, at=at.isoformat())
    return post


def do_reject_post(
    session: Session, workspace: Workspace, post: Post, *, acting: Acting, note: str | None = None
) -> Post:
    """Send a post waiting for approval back to draft, with a note saying why."""
    _check_can_approve(session, workspace, post, acting)
    post.status = PostStatus.DRAFT.value
    post.detail = {**(post.detail or {}), "rejected_by": acting.label, "rejection_note": note}
    _audit(session, workspace, acting, "post.reject", post, note=note)
    return post


def do_cancel_post(session: Session, workspace: Workspace, post: Post, *, acting: Acting) -> Post:
    """Cancel a post that is not published: it will never be sent."""
    check_can_write(session, workspace, acting)
    if post.status == PostStatus.CANCELLED.value:
        return post
    delivery = _check_not_sending(session, post)
    if delivery is not None:
        session.delete(delivery)
    before, post.status = post.status, PostStatus.CANCELLED.value
    _audit(session, workspace, acting, "post.cancel", post, before=before)
    return post


def do_retry_post(
    session: Session, workspace: Workspace, post: Post, *, acting: Acting, now: datetime | None = None
) -> Post:
    """Publish a failed post again now, with the same idempotency key (a platform that took it keeps one)."""
    now = now or utcnow()
    check_can_write(session, workspace, acting)
    delivery = _delivery(session, post)
    if post.status != PostStatus.FAILED.value or delivery is None:
        raise ValueError(f"post {post.id} is {post.status}: only a failed post is retried")
    _queue(session, post, delivery, now, now)
    _audit(session, workspace, acting, "post.retry", post)
    return post


def do_set_publishing_policy(
    session: Session,
    workspace: Workspace,
    *,
    acting: Acting,
    approval: str | None = None,
    max_promotional_share: float | None = None,
    gap_days: float | None = None,
    warn_days: float | None = None,
) -> dict[str, Any]:
    """Change the publishing policy (owners and admins); arguments left None keep their value."""
    check_can_manage(session, workspace, acting)
    policy = dict((workspace.settings or {}).get("publishing") or {})
    if approval is not None:
        if approval not in drafts.APPROVAL_MODES:
            raise ValueError(f"approval is one of {', '.join(drafts.APPROVAL_MODES)} ({approval!r} given)")
        policy["approval"] = approval
    if max_promotional_share is not None:
        if not 0 <= max_promotional_share <= 1:
            raise ValueError("max_promotional_share is a share between 0 and 1 (e.g. 0.2 for 20%)")
        policy["max_promotional_share"] = max_promotional_share
    for name, value in (("gap_days", gap_days), ("warn_days", warn_days)):
        if value is not None:
            if not 0 < value <= 365:
                raise ValueError(f"{name} is a number of days between 0 and 365")
            policy[name] = value
    do_write_settings(session, workspace, {"publishing": policy}, action="publishing.policy", acting=acting)
    return drafts.publishing_policy(workspace)


def do_add_slot(session: Session, workspace: Workspace, channel: Channel, slot: str, *, acting: Acting) -> PostSlot:
    """Add a queue slot ("mon 09:30", local time) to a channel. Idempotent."""
    check_can_manage(session, workspace, acting)
    weekday, minute = parse_slot(slot)
    existing = session.scalar(
        select(PostSlot).where(
            PostSlot.channel_id == channel.id, PostSlot.weekday == weekday, PostSlot.minute == minute
        )
    )
    if existing is not None:
        return existing
    row = PostSlot(
        workspace_id=workspace.id, channel_id=channel.id, weekday=weekday, minute=minute, created_at=utcnow()
    )
    session.add(row)
    session.flush()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="post_slot.add",
        object_type="channel",
        object_id=channel.id,
        data={"slot": slot_label(weekday, minute)},
    )
    return row


def do_remove_slot(session: Session, workspace: Workspace, channel: Channel, slot: str, *, acting: Acting) -> bool:
    """Remove a queue slot; False when there was none. Posts already scheduled in it keep their time."""
    check_can_manage(session, workspace, acting)
    weekday, minute = parse_slot(slot)
    gone = session.execute(
        delete(PostSlot).where(
            PostSlot.channel_id == channel.id, PostSlot.weekday == weekday, PostSlot.minute == minute
        )
    )
    removed = bool(gone.rowcount)  # type: ignore[attr-defined]
    if removed:
        audit(
            session,
            workspace_id=workspace.id,
            acting=acting,
            action="post_slot.remove",
            object_type="channel",
            object_id=channel.id,
            data={"slot": slot_label(weekday, minute)},
        )
    return removed


def list_posts(
    session: Session, workspace: Workspace, *, status: str | None = None, channel_id: int | None = None
) -> list[Post]:
    query = select(Post).where(Post.workspace_id == workspace.id)
    if status is not None:
        query = query.where(Post.status == PostStatus(status).value)
    if channel_id is not None:
        query = query.where(Post.channel_id == channel_id)
    order = func.coalesce(Post.published_at, Post.scheduled_at, Post.created_at)
    return list(session.scalars(query.order_by(order.desc(), Post.id.desc())))
