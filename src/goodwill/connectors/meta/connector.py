"""Facebook Pages (comments, visitor posts, Messenger) and Instagram (comments, mentions, DMs) through the
Graph API, plus sending: public replies, private replies to comments, DMs, hidden comments.

Reading by polling complements the webhooks (goodwill.api.webhooks): a missed delivery is caught by the next
sync and deduplicated by id. Cursor: `since` is the newest time (epoch seconds) read on the feed or the
media, `dms_since` the newest message time read in conversations; both are re-read with a small overlap, a
superset that ingest deduplicates. Instagram `mentions` webhooks carry ids only: the receiver queues them in
the cursor (`mentions_pending`) and the next sync reads their text.

Windows are enforced here, before Meta is called: a DM answer needs the person's last message to be under
24 hours old (7 days with the HUMAN_AGENT tag, when the channel's config says `human_agent: true` and the
app has that permission); a private reply to a comment must be sent within 7 days of the comment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from goodwill.connectors.base import (
    Account,
    Capability,
    ChannelContext,
    Fetched,
    Moderation,
    Outgoing,
    Refused,
    Sent,
)
from goodwill.connectors.meta.graph import Graph
from goodwill.connectors.meta.normalise import (
    HUMAN_AGENT_WINDOW,
    PRIVATE_REPLY_WINDOW,
    fb_comment,
    fb_post,
    graph_message,
    ig_comment,
    ig_mention,
    parse_time,
)
from goodwill.domain.enums import Kind, Network
from goodwill.domain.message import NativeRef, NormalisedMessage

OVERLAP = 60  # seconds re-read at each sync
POST_FIELDS = "id,message,created_time,updated_time,from,permalink_url"
COMMENT_FIELDS = (
    "id,from,message,created_time,parent{id},attachment,can_reply_privately,is_hidden,permalink_url,"
    "comment_count,like_count"
)
MESSAGE_FIELDS = "id,created_time,from,to,message,attachments"
IG_COMMENT_FIELDS = (
    "id,text,timestamp,username,from,parent_id,hidden,like_count,media{id},"
    "replies{id,text,timestamp,username,from,parent_id,hidden,like_count}"
)
MENTIONED_COMMENT = "mentioned_comment.comment_id({id}){{id,text,timestamp,username,like_count,media{{id}}}}"
MENTIONED_MEDIA = (
    "mentioned_media.media_id({id}){{id,caption,timestamp,media_type,media_url,permalink,username,"
    "comments_count,like_count}}"
)
ClientFactory = Callable[[], httpx.Client]


def _epoch(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def window_tag(parent: NormalisedMessage, *, now: datetime, human_agent: bool) -> str | None:
    """None inside the standard window, "HUMAN_AGENT" inside the 7-day one when allowed; otherwise Refused."""
    expires = parent.reply.window_expires_at
    if expires is None or now <= expires:
        return None
    name = "Messenger" if parent.network is Network.FACEBOOK else "Instagram"
    if human_agent and now <= parent.created_at + HUMAN_AGENT_WINDOW:
        return "HUMAN_AGENT"
    raise Refused(
        f"{name}'s 24-hour messaging window with this person closed at {expires.isoformat(timespec='minutes')} "
        f"(their last message was at {parent.created_at.isoformat(timespec='minutes')}); Meta allows no answer until "
        "they write again" + ("" if human_agent else " (a human agent may answer for 7 days with human_agent on)")
    )


def private_reply_open(parent: NormalisedMessage, now: datetime) -> None:
    deadline = parent.created_at + PRIVATE_REPLY_WINDOW
    restrictions = parent.reply.restrictions or {}
    if restrictions.get("can_reply_privately") is False:
        raise Refused("Meta does not allow a private reply to this comment (can_reply_privately is false)")
    if now > deadline:
        raise Refused(
            f"a private reply to a comment must be sent within 7 days: this one's window closed at "
            f"{deadline.isoformat(timespec='minutes')}; answer publicly instead"
        )


class MetaConnector:
    network: Network
    capabilities = frozenset(
        {
            Capability.READ_MENTIONS,
            Capability.READ_COMMENTS,
            Capability.READ_DIRECT,
            Capability.REPLY,
            Capability.DIRECT,
            Capability.PRIVATE_REPLY,
            Capability.HIDE,
            Capability.WEBHOOKS,
            Capability.BACKFILL,
        }
    )

    def __init__(
        self, *, client_factory: ClientFactory | None = None, now: Callable[[], datetime] | None = None
    ) -> None:
        self._client_factory = client_factory or (lambda: httpx.Client(timeout=30))
        self._now = now or (lambda: datetime.now(UTC))

    def _graph(self, credentials: dict[str, Any]) -> Graph:
        token = str(credentials.get("page_access_token") or credentials.get("access_token") or "")
        return Graph(self._client_factory(), token, app_secret=credentials.get("app_secret"))

    def _conversations(
        self, graph: Graph, owner: str, account: str, platform: str, cursor: dict[str, Any]
    ) -> list[NormalisedMessage]:
        since = int(cursor.get("dms_since") or 0)
        found: list[NormalisedMessage] = []
        newest = since
        for convo in graph.pages(
            "read conversations", f"{owner}/conversations", limit=2, platform=platform, fields="id,updated_time"
        ):
            if _epoch(parse_time(convo.get("updated_time"))) < since - OVERLAP:
                continue
            source = {"transport": "poll", "endpoint": "GET /{conversation}/messages", "event_id": str(convo.get("id"))}
            for node in graph.get("read messages", f"{convo['id']}/messages", fields=MESSAGE_FIELDS).get("data") or []:
                message = graph_message(node, account_id=account, network=self.network, source=source, envelope=convo)
                if _epoch(message.created_at) >= since - OVERLAP:
                    found.append(message)
                    newest = max(newest, _epoch(message.created_at))
        cursor["dms_since"] = newest
        return found

    def moderate(self, channel: ChannelContext, target: NormalisedMessage, action: Moderation) -> dict[str, Any]:
        if action not in (Moderation.HIDE, Moderation.UNHIDE) or target.is_private:
            raise Refused(f"Meta cannot {action.value} this message: only comments can be hidden")
        field_name = "is_hidden" if self.network is Network.FACEBOOK else "hide"
        graph = self._graph(channel.credentials)
        return graph.post(f"{action.value} a comment", target.native.id, {field_name: action is Moderation.HIDE})

    def _dm(
        self,
        graph: Graph,
        owner: str,
        parent: NormalisedMessage | None,
        conversation: str | None,
        outgoing: Outgoing,
        human_agent: bool,
    ) -> Sent:
        data: dict[str, Any] = {
            "recipient": {"id": conversation},
            "messaging_type": "RESPONSE",
            "message": {"text": outgoing.text},
        }
        if parent is not None:
            tag = window_tag(parent, now=self._now(), human_agent=human_agent)
            if tag:
                data.update(messaging_type="MESSAGE_TAG", tag=tag)
        body = graph.post("send a message", f"{owner}/messages", data)
        return Sent(native=NativeRef(id=str(body.get("message_id"))), created_at=self._now(), raw=body)


class FacebookConnector(MetaConnector):
    network = Network.FACEBOOK
    capabilities = MetaConnector.capabilities | {Capability.POST}

    def authenticate(self, credentials: dict[str, Any], config: dict[str, Any]) -> Account:
        graph = self._graph(credentials)
        page = graph.get("read the Page", str(config.get("page_id") or "me"), fields="id,name,username")
        return Account(
            account_id=str(page["id"]),
            handle=str(page.get("username") or page["id"]),
            name=str(page.get("name") or page["id"]),
            credentials=dict(credentials),
            config={"page_id": str(page["id"])},
        )

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        graph = self._graph(channel.credentials)
        page = channel.account_id
        new = dict(cursor)
        since = int(cursor.get("since") or 0)
        newest = since
        messages: list[NormalisedMessage] = []
        for post in graph.get("read the Page feed", f"{page}/feed", fields=POST_FIELDS, limit=25).get("data") or []:
            source = {"transport": "poll", "endpoint": "GET /{page}/feed", "event_id": str(post.get("id"))}
            created = _epoch(parse_time(post.get("created_time")))
            if created >= since - OVERLAP:
                messages.append(fb_post(post, page_id=page, source=source))
                newest = max(newest, created)
            if _epoch(parse_time(post.get("updated_time"))) < since - OVERLAP or graph.busy:
                continue
            params = {"fields": COMMENT_FIELDS, "filter": "stream", "order": "reverse_chronological"}
            if since:
                params["since"] = str(since - OVERLAP)
            for comment in graph.pages("read comments", f"{post['id']}/comments", limit=4, **params):
                source = {"transport": "poll", "endpoint": "GET /{post}/comments", "event_id": str(comment.get("id"))}
                message = fb_comment(comment, page_id=page, post_id=str(post["id"]), source=source)
                messages.append(message)
                newest = max(newest, _epoch(message.created_at))
        new["since"] = newest
        messages += self._conversations(graph, page, page, "messenger", new)
        notes = ("Meta usage is near its limit: the sync stopped early",) if graph.busy else ()
        return Fetched(messages=messages, cursor=new, notes=notes)

    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        graph = self._graph(channel.credentials)
        page = channel.account_id
        parent = outgoing.in_reply_to
        human_agent = bool(channel.config.get("human_agent"))
        if outgoing.private_conversation_id or (parent is not None and parent.is_private):
            conversation = outgoing.private_conversation_id or (parent.thread.conversation_id if parent else None)
            return self._dm(
                graph,
                page,
                parent if parent is not None and parent.is_private else None,
                conversation,
                outgoing,
                human_agent,
            )
        if parent is not None and outgoing.private_reply:
            private_reply_open(parent, self._now())
            data = {"recipient": {"comment_id": parent.native.id}, "message": {"text": outgoing.text}}
            body = graph.post("reply privately", f"{page}/messages", data)
            return Sent(native=NativeRef(id=str(body.get("message_id"))), created_at=self._now(), raw=body)
        if parent is None:
            body = graph.post("post", f"{page}/feed", {"message": outgoing.text})
        else:
            # Comment trees are two levels deep: an answer to a reply goes under its top-level comment.
            target = parent.thread.parent.id if parent.kind is Kind.REPLY and parent.thread.parent else parent.native.id
            body = graph.post("reply", f"{target}/comments", {"message": outgoing.text})
        return Sent(
            native=NativeRef(id=str(body["id"])),
            created_at=parse_time(body.get("created_time")) or self._now(),
            raw=body,
        )


class InstagramConnector(MetaConnector):
    network = Network.INSTAGRAM

    def authenticate(self, credentials: dict[str, Any], config: dict[str, Any]) -> Account:
        graph = self._graph(credentials)
        ig = str(config.get("ig_user_id") or "")
        if not ig:
            page = graph.get(
                "read the Page", str(config.get("page_id") or "me"), fields="id,instagram_business_account"
            )
            ig = str((page.get("instagram_business_account") or {}).get("id") or "")
            config = {**config, "page_id": str(page["id"])}
        if not ig:
            raise ValueError("no Instagram professional account is linked to this Page (or give --ig-user-id)")
        me = graph.get("read the Instagram account", ig, fields="id,username,name")
        return Account(
            account_id=str(me["id"]),
            handle=f"@{me.get('username')}",
            name=str(me.get("name") or me.get("username")),
            credentials=dict(credentials),
            config={"ig_user_id": str(me["id"]), "ig_username": me.get("username"), "page_id": config.get("page_id")},
        )

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        graph = self._graph(channel.credentials)
        ig = channel.account_id
        username = channel.config.get("ig_username")
        new = dict(cursor)
        since = int(cursor.get("since") or 0)
        newest = since
        messages: list[NormalisedMessage] = []
        for media in (
            graph.get("read media", f"{ig}/media", fields="id,caption,timestamp,comments_count", limit=25).get("data")
            or []
        ):
            if not media.get("comments_count") or graph.busy:
                continue
            source = {"transport": "poll", "endpoint": "GET /{media}/comments", "event_id": str(media.get("id"))}
            for comment in graph.pages("read comments", f"{media['id']}/comments", limit=4, fields=IG_COMMENT_FIELDS):
                for message in ig_comment(
                    comment, ig_user_id=ig, ig_username=username, media_id=str(media["id"]), source=source
                ):
                    if _epoch(message.created_at) >= since - OVERLAP:
                        messages.append(message)
                        newest = max(newest, _epoch(message.created_at))
        new["since"] = newest
        messages += self._mentions(graph, ig, new)
        owner = str(channel.config.get("page_id") or ig)
        messages += self._conversations(graph, owner, ig, "instagram", new)
        notes = ("Meta usage is near its limit: the sync stopped early",) if graph.busy else ()
        return Fetched(messages=messages, cursor=new, notes=notes)

    def _mentions(self, graph: Graph, ig: str, cursor: dict[str, Any]) -> list[NormalisedMessage]:
        """Read the mentions the webhook queued (ids only) and take them off the queue."""
        found = []
        for pending in list(cursor.get("mentions_pending") or []):
            comment_id, media_id = pending.get("comment_id"), pending.get("media_id")
            field_spec = MENTIONED_COMMENT.format(id=comment_id) if comment_id else MENTIONED_MEDIA.format(id=media_id)
            body = graph.get("read a mention", ig, fields=field_spec)
            source = {"transport": "webhook+poll", "endpoint": "mentions", "event_id": str(comment_id or media_id)}
            found.append(ig_mention(body, ig_user_id=ig, media_id=media_id, source=source, envelope=pending))
        cursor["mentions_pending"] = []
        return found

    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        graph = self._graph(channel.credentials)
        ig = channel.account_id
        owner = str(channel.config.get("page_id") or ig)
        parent = outgoing.in_reply_to
        human_agent = bool(channel.config.get("human_agent"))
        if outgoing.private_conversation_id or (parent is not None and parent.is_private):
            conversation = outgoing.private_conversation_id or (parent.thread.conversation_id if parent else None)
            return self._dm(
                graph,
                owner,
                parent if parent is not None and parent.is_private else None,
                conversation,
                outgoing,
                human_agent,
            )
        if parent is None:
            raise Refused("Instagram posts need an image or video: goodwill publishes text-only posts elsewhere")
        if outgoing.private_reply:
            private_reply_open(parent, self._now())
            private = {"recipient": {"comment_id": parent.native.id}, "message": {"text": outgoing.text}}
            body = graph.post("reply privately", f"{owner}/messages", private)
            return Sent(native=NativeRef(id=str(body.get("message_id"))), created_at=self._now(), raw=body)
        if parent.kind is Kind.MENTION:
            media_id = (parent.reply.restrictions or {}).get("media_id")
            data: dict[str, Any] = {"media_id": media_id, "message": outgoing.text}
            if parent.thread.root is not None:
                data["comment_id"] = parent.native.id
            body = graph.post("reply to a mention", f"{ig}/mentions", data)
        else:
            target = parent.thread.parent.id if parent.kind is Kind.REPLY and parent.thread.parent else parent.native.id
            body = graph.post("reply", f"{target}/replies", {"message": outgoing.text})
        return Sent(native=NativeRef(id=str(body["id"])), created_at=self._now(), raw=body)
