"""The Bluesky connector: reads notifications (mentions, replies, quotes), the threads they belong to and chat
conversations; replies with the right root and parent strong refs, posts, and sends direct messages.

Cursor (`Channel.cursor`), resumed exactly:
- `mark`: the newest notification `indexedAt` already taken. Notifications come newest first, so a sync pages
  back from the newest one until it meets `mark`; everything at or after `mark` is returned (those at `mark`
  exactly come again and ingest's dedupe drops them: no gap at equal times, no duplicate stored).
- `sweep`: a sweep cut short (`more=True`), with the platform's paging cursor and the newest time of the
  sweep, which becomes `mark` when the sweep meets the old mark.
- `convos`: the `rev` of each chat conversation already read.
Raw JSON: XRPC reads go through `invoke_query`, so `raw` holds the platform's JSON as it came, not a re-dump of
the SDK's models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from atproto import Client, models  # type: ignore[import-untyped]
from atproto_client import exceptions as atx  # type: ignore[import-untyped]

from goodwill.connectors.base import (
    Account,
    AuthExpired,
    Capability,
    ChannelContext,
    ConnectorError,
    Fetched,
    Outgoing,
    RateLimited,
    Refused,
    Sent,
    TransientError,
)
from goodwill.connectors.bluesky.normalise import (
    chat_message,
    notification_message,
    parse_time,
    post_message,
    thread_posts,
)
from goodwill.domain.enums import Network
from goodwill.domain.message import NativeRef, NormalisedMessage

DEFAULT_SERVICE = "https://bsky.social"
REASONS = ["mention", "reply", "quote"]
AUTH_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AccountTakedown", "AccountDeactivated"}
MAX_GRAPHEMES = 300
# A new post carries the sender's idempotency key in its record (lexicon objects are open: extra fields are
# kept and ignored by other clients), so `lookup` can tell after a crash whether the post was created.
KEY_FIELD = "goodwillKey"
LOOKUP_DEPTH = 50  # the newest own post records searched for a key

ClientFactory = Callable[[str], Client]


@contextmanager
def platform_errors(what: str) -> Iterator[None]:
    """The SDK's exceptions as connector errors: expired credentials, passing trouble, or a refusal."""
    try:
        yield
    except atx.RateLimitExceededError as exc:
        reset = exc.reset_at
        if reset is None and exc.retry_after is not None:
            reset = datetime.now(UTC) + timedelta(seconds=exc.retry_after)
        raise RateLimited(f"{what}: Bluesky rate limit reached", reset_at=reset, platform_error=str(exc)) from exc
    except atx.UnauthorizedError as exc:
        raise AuthExpired(f"{what}: Bluesky refused the credentials ({exc})", platform_error=str(exc)) from exc
    except atx.BadRequestError as exc:
        name = getattr(getattr(exc.response, "content", None), "error", None)
        if name in AUTH_ERRORS:
            raise AuthExpired(f"{what}: {exc}", platform_error=str(exc)) from exc
        raise Refused(f"{what}: {exc}", platform_error=str(exc)) from exc
    except atx.NetworkError as exc:  # transport errors, timeouts, 409/413/502
        raise TransientError(f"{what}: {exc or exc.__class__.__name__}", platform_error=str(exc)) from exc
    except atx.RequestException as exc:
        status = exc.response.status_code if exc.response is not None else 500
        if status >= 500:
            raise TransientError(f"{what}: {exc}", platform_error=str(exc)) from exc
        raise Refused(f"{what}: {exc}", platform_error=str(exc)) from exc


class BlueskyConnector:
    network = Network.BLUESKY
    capabilities = frozenset(
        {
            Capability.READ_MENTIONS,
            Capability.READ_COMMENTS,
            Capability.READ_DIRECT,
            Capability.REPLY,
            Capability.DIRECT,
            Capability.POST,
            Capability.BACKFILL,
        }
    )

    def __init__(
        self,
        *,
        client_factory: ClientFactory | None = None,
        page_size: int = 50,
        backfill_limit: int = 500,
        thread_depth: int = 20,
    ) -> None:
        self._client_factory = client_factory or (lambda service: Client(base_url=service))
        self.page_size = page_size
        self.backfill_limit = backfill_limit
        self.thread_depth = thread_depth

    # -- connecting -------------------------------------------------------------------------------------------
    def authenticate(self, credentials: dict[str, Any], config: dict[str, Any]) -> Account:
        service = str(config.get("service") or DEFAULT_SERVICE).rstrip("/")
        handle = str(credentials.get("handle") or "").lstrip("@")
        password = str(credentials.get("app_password") or credentials.get("password") or "")
        if not handle or not password:
            raise ValueError("Bluesky needs --handle and --password (an app password, Settings > App passwords)")
        client = self._client_factory(service)
        with platform_errors("log in"):
            profile = client.login(handle, password)
        did = client.me.did if client.me else ""
        return Account(
            account_id=did,
            handle=client.me.handle if client.me else handle,
            name=(profile.display_name if profile else None) or handle,
            credentials={"handle": handle, "app_password": password, "session": client.export_session_string()},
            config={"service": service},
        )

    def _client(self, channel: ChannelContext) -> tuple[Client, dict[str, str]]:
        """A logged-in client and a dict that receives the new session string whenever the SDK refreshes it.

        The stored session is used first (createSession is limited to 30 per 5 minutes); when the platform no
        longer accepts it, the app password logs in again. Only a refused app password is AuthExpired.
        """
        creds = channel.credentials
        client = self._client_factory(str(channel.config.get("service") or DEFAULT_SERVICE))
        changed: dict[str, str] = {}
        client.on_session_change(lambda _event, session: changed.__setitem__("session", session.encode()))
        if creds.get("session"):
            try:
                client.login(session_string=creds["session"], fetch_bsky_profile=False)
                return client, changed
            except (atx.UnauthorizedError, atx.BadRequestError):
                pass
        if not creds.get("app_password"):
            raise AuthExpired("the Bluesky session expired and no app password is stored: connect again")
        with platform_errors("log in"):
            client.login(creds.get("handle"), creds["app_password"], fetch_bsky_profile=False)
        return client, changed

    @staticmethod
    def _credentials(channel: ChannelContext, changed: dict[str, str]) -> dict[str, Any] | None:
        if not changed:
            return None
        return {**channel.credentials, **changed}

    # -- reading ----------------------------------------------------------------------------------------------
    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        with platform_errors("log in"):
            client, changed = self._client(channel)
        did = channel.account_id
        with platform_errors("read notifications"):
            messages, new_cursor, more = self._notifications(client, did, cursor)
            messages.extend(self._threads(client, did, messages))
            messages.extend(self._own_posts(client, did, new_cursor, {m.native.id for m in messages}))
        notes: list[str] = []
        if channel.config.get("dms", True):
            try:
                with platform_errors("read direct messages"):
                    messages.extend(self._chats(client, did, new_cursor))
            except ConnectorError as exc:
                # An app password without DM access ("Bad token scope"), a server without chat, or chat down:
                # the channel still works for public messages; the user is told (a note on the channel's
                # status), not stopped, and the next sync tries again from the same conversation revs.
                notes.append(f"direct messages not read: {exc}")
        return Fetched(
            messages=messages,
            cursor=new_cursor,
            more=more,
            credentials=self._credentials(channel, changed),
            notes=tuple(notes),
        )

    def _notifications(
        self, client: Client, did: str, cursor: dict[str, Any]
    ) -> tuple[list[NormalisedMessage], dict[str, Any], bool]:
        mark = parse_time(cursor.get("mark"))
        sweep = cursor.get("sweep") or {}
        params = models.AppBskyNotificationListNotifications.Params(
            reasons=REASONS, limit=self.page_size, cursor=sweep.get("api")
        )
        body = client.invoke_query("app.bsky.notification.listNotifications", params=params).content
        assert isinstance(body, dict)
        items = body.get("notifications") or []
        times = [parse_time(n.get("indexedAt")) for n in items]
        fresh = [n for n, at in zip(items, times, strict=True) if mark is None or (at is not None and at >= mark)]
        newest = max((t for t in times if t is not None), default=None)
        top = parse_time(sweep.get("top")) or newest or mark
        taken = int(sweep.get("taken") or 0) + len(fresh)
        done = (
            len(fresh) < len(items)  # met the mark
            or not body.get("cursor")
            or not items
            or (mark is None and taken >= self.backfill_limit)
        )
        new_cursor = {k: v for k, v in cursor.items() if k not in ("mark", "sweep")}
        if done:
            new_cursor["mark"] = top.isoformat() if top else None
        else:
            new_cursor["mark"] = cursor.get("mark")
            new_cursor["sweep"] = {"api": body["cursor"], "top": top.isoformat() if top else None, "taken": taken}
        messages = [m for n in fresh if (m := notification_message(n, self_did=did, cursor=sweep.get("api")))]
        return messages, new_cursor, not done

    def _threads(self, client: Client, did: str, messages: list[NormalisedMessage]) -> list[NormalisedMessage]:
        """The rest of each thread the notifications belong to: the brand's own posts in it, and the replies
        that did not notify the brand (a reply to a reply)."""
        have = {m.native.id for m in messages}
        roots = list(dict.fromkeys((m.thread.root or m.native).id for m in messages))
        found: list[NormalisedMessage] = []
        for root in roots:
            params = models.AppBskyFeedGetPostThread.Params(uri=root, depth=self.thread_depth, parent_height=0)
            try:
                body = client.invoke_query("app.bsky.feed.getPostThread", params=params).content
            except atx.BadRequestError:
                continue  # the root was deleted or is blocked: the notifications alone still stand
            assert isinstance(body, dict)
            source = {"transport": "poll", "endpoint": "app.bsky.feed.getPostThread", "thread": root}
            for post in thread_posts(body.get("thread") or {}):
                if post.get("uri") not in have:
                    have.add(post["uri"])
                    found.append(post_message(post, self_did=did, source=source))
        return found

    def _own_posts(self, client: Client, did: str, cursor: dict[str, Any], have: set[str]) -> list[NormalisedMessage]:
        """The brand's own posts and replies since `cursor["own_mark"]`, made here or in any other app, so
        that an answer given on bsky.app counts as an answer (updates `cursor["own_mark"]`)."""
        mark = parse_time(cursor.get("own_mark"))
        found: list[NormalisedMessage] = []
        newest, page_cursor, taken = mark, None, 0
        source = {"transport": "poll", "endpoint": "app.bsky.feed.getAuthorFeed"}
        while taken < self.backfill_limit:
            params = models.AppBskyFeedGetAuthorFeed.Params(
                actor=did, filter="posts_with_replies", limit=self.page_size, cursor=page_cursor
            )
            body = client.invoke_query("app.bsky.feed.getAuthorFeed", params=params).content
            assert isinstance(body, dict)
            items = [item for item in body.get("feed") or [] if not item.get("reason")]  # reposts skipped
            older = False
            for item in items:
                post = item.get("post") or {}
                at = parse_time(post.get("indexedAt"))
                if mark is not None and (at is None or at < mark):
                    older = True
                    continue
                newest = max(newest, at) if newest and at else (at or newest)
                taken += 1
                if post.get("uri") not in have and (post.get("author") or {}).get("did") == did:
                    found.append(post_message(post, self_did=did, source=source))
            page_cursor = body.get("cursor")
            if older or not page_cursor or not body.get("feed"):
                break
        cursor["own_mark"] = newest.isoformat() if newest else None
        return found

    def _chats(self, client: Client, did: str, cursor: dict[str, Any]) -> list[NormalisedMessage]:
        """New chat messages per conversation since the `rev` stored for it (updates `cursor["convos"]`)."""
        chat = client.with_bsky_chat_proxy()
        seen: dict[str, str] = dict(cursor.get("convos") or {})
        found: list[NormalisedMessage] = []
        body = chat.invoke_query(
            "chat.bsky.convo.listConvos", params=models.ChatBskyConvoListConvos.Params(limit=100)
        ).content
        assert isinstance(body, dict)
        for convo in body.get("convos") or []:
            convo_id, rev = str(convo.get("id")), str(convo.get("rev") or "")
            if seen.get(convo_id) == rev:
                continue
            page_cursor = None
            while True:
                page = chat.invoke_query(
                    "chat.bsky.convo.getMessages",
                    params=models.ChatBskyConvoGetMessages.Params(convo_id=convo_id, cursor=page_cursor, limit=100),
                ).content
                assert isinstance(page, dict)
                items = [m for m in page.get("messages") or [] if "text" in m]  # skip deletedMessageView
                newer = [m for m in items if str(m.get("rev") or "") > seen.get(convo_id, "")]
                found.extend(chat_message(m, convo=convo, self_did=did) for m in newer)
                page_cursor = page.get("cursor")
                if len(newer) < len(items) or not page_cursor:
                    break
            seen[convo_id] = rev
        cursor["convos"] = seen
        return found

    # -- writing ----------------------------------------------------------------------------------------------
    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        if len(outgoing.text) > MAX_GRAPHEMES:
            raise Refused(f"a Bluesky post has at most {MAX_GRAPHEMES} characters ({len(outgoing.text)} given)")
        with platform_errors("log in"):
            client, _changed = self._client(channel)
        parent = outgoing.in_reply_to
        convo = outgoing.private_conversation_id or (
            parent.thread.conversation_id if parent and parent.is_private else None
        )
        if convo:
            return self._send_direct(client, convo, outgoing.text)
        with platform_errors("post"):
            facets = client.detect_facets(outgoing.text) or None
            reply_to = self._reply_ref(client, parent) if parent else None
            if reply_to is None:
                created = self._create_post(client, channel.account_id, outgoing, facets)
            else:
                created = client.send_post(
                    outgoing.text, profile_identify=channel.account_id, reply_to=reply_to, facets=facets
                )
        now = datetime.now(UTC)
        raw = {"uri": created.uri, "cid": created.cid}
        if reply_to is not None:
            raw["reply"] = {
                "root": {"uri": reply_to.root.uri, "cid": reply_to.root.cid},
                "parent": {"uri": reply_to.parent.uri, "cid": reply_to.parent.cid},
            }
        return Sent(native=NativeRef(id=created.uri, cid=created.cid), created_at=now, raw=raw)

    @staticmethod
    def _create_post(client: Client, did: str, outgoing: Outgoing, facets: Any) -> Any:
        """A new top-level post whose record carries the idempotency key (KEY_FIELD)."""
        record = models.AppBskyFeedPost.Record(
            text=outgoing.text,
            created_at=client.get_current_time_iso(),
            facets=facets,
            **{KEY_FIELD: outgoing.idempotency_key},
        )
        return client.com.atproto.repo.create_record(
            models.ComAtprotoRepoCreateRecord.Data(repo=did, collection="app.bsky.feed.post", record=record)
        )

    def lookup(self, channel: ChannelContext, idempotency_key: str) -> Sent | None:
        """The post sent with `idempotency_key`, if the network has it: searched among the newest LOOKUP_DEPTH
        own post records. Only new posts carry the key; a reply is never found (and is resent as before)."""
        with platform_errors("look for a post"):
            client, _changed = self._client(channel)
            page = client.com.atproto.repo.list_records(
                models.ComAtprotoRepoListRecords.Params(
                    repo=channel.account_id, collection="app.bsky.feed.post", limit=LOOKUP_DEPTH
                )
            )
        for item in page.records:
            extra = getattr(item.value, "model_extra", None) or {}
            if extra.get(KEY_FIELD) == idempotency_key:
                created = parse_time(getattr(item.value, "created_at", None)) or datetime.now(UTC)
                return Sent(NativeRef(id=item.uri, cid=item.cid), created, {"uri": item.uri, "cid": item.cid})
        return None

    def _reply_ref(self, client: Client, parent: NormalisedMessage) -> models.AppBskyFeedPost.ReplyRef:
        """root/parent strong refs: the parent is the message answered; the root is the parent's own root,
        or the parent itself when it starts the thread. A missing CID is looked up (one getPosts call)."""
        refs = {"parent": parent.native, "root": parent.thread.root or parent.native}
        missing = [ref.id for ref in refs.values() if not ref.cid]
        if missing:
            posts = client.get_posts(missing).posts
            cids = {p.uri: p.cid for p in posts}
            for name, ref in refs.items():
                if not ref.cid:
                    if ref.id not in cids:
                        raise Refused(f"cannot reply: {ref.id} no longer exists")
                    refs[name] = NativeRef(id=ref.id, cid=cids[ref.id])
        return models.AppBskyFeedPost.ReplyRef(
            root=models.ComAtprotoRepoStrongRef.Main(uri=refs["root"].id, cid=refs["root"].cid or ""),
            parent=models.ComAtprotoRepoStrongRef.Main(uri=refs["parent"].id, cid=refs["parent"].cid or ""),
        )

    def _send_direct(self, client: Client, convo: str, text: str) -> Sent:
        chat = client.with_bsky_chat_proxy()
        with platform_errors("send a direct message"):
            body = chat.invoke_procedure(
                "chat.bsky.convo.sendMessage",
                data=models.ChatBskyConvoSendMessage.Data(
                    convo_id=convo, message=models.ChatBskyConvoDefs.MessageInput(text=text)
                ),
                input_encoding="application/json",
            ).content
        assert isinstance(body, dict)
        sent_at = parse_time(body.get("sentAt")) or datetime.now(UTC)
        return Sent(native=NativeRef(id=f"chat:{convo}:{body.get('id')}"), created_at=sent_at, raw=body)
