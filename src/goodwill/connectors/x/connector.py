"""The X connector (tweepy, API v2): mentions, replies in the threads the brand is in (conversation_id), DMs;
replies, DMs, hidden replies.

Raw JSON: the tweepy Client is built with `return_type=requests.Response`, so goodwill reads the body exactly as
X sent it and the `x-rate-limit-*` headers, which tweepy's own Response type drops.

Cursor (Channel.cursor): `mentions` is the newest mention id stored (the next sync asks `since_id=` it);
while a round pages back through `next_token`, `mentions_round` holds the token and the round's newest id, so
a crash mid-round re-reads from the older `mentions` (a superset, deduplicated by ingest). `dms` is the newest
DM event id stored (the DM endpoints have no since_id: pages are read newest first until it). `threads` maps
a conversation id the brand is part of to the newest reply read in it and the day it stops being followed
(recent search only reaches back 7 days).

Rate limits: a 429 becomes RateLimited with X's own `x-rate-limit-reset`; after any page whose
`x-rate-limit-remaining` is 0 the sync stops asking that endpoint and says so, rather than earning a 429.
"HTTP 200 with errors[]" (a partial failure) keeps the data and reports the errors as notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy  # type: ignore[import-untyped]

from goodwill.connectors.base import (
    Account,
    AuthExpired,
    Capability,
    ChannelContext,
    Fetched,
    Moderation,
    Outgoing,
    RateLimited,
    Refused,
    Sent,
    TransientError,
)
from goodwill.connectors.health import parse_reset
from goodwill.connectors.timestamps import note_refused
from goodwill.connectors.x.normalise import dm_event_v2, parse_time, tweet_v2
from goodwill.domain.enums import Kind, Network
from goodwill.domain.message import InvalidMessage, NativeRef, NormalisedMessage

PAGE = 100
THREAD_DAYS = 7  # recent search reaches back 7 days
TWEET_FIELDS = [
    "author_id",
    "conversation_id",
    "created_at",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "entities",
    "attachments",
    "public_metrics",
    "possibly_sensitive",
    "reply_settings",
    "edit_history_tweet_ids",
    "note_tweet",
    "withheld",
]
POST_PARAMS: dict[str, Any] = {
    "tweet_fields": TWEET_FIELDS,
    "expansions": ["author_id", "referenced_tweets.id", "attachments.media_keys"],
    "user_fields": ["username", "name", "profile_image_url", "public_metrics", "verified"],
    "media_fields": ["type", "url", "preview_image_url", "alt_text"],
}
DM_PARAMS: dict[str, Any] = {
    "dm_event_fields": [
        "created_at",
        "sender_id",
        "dm_conversation_id",
        "participant_ids",
        "referenced_tweets",
        "attachments",
        "entities",
    ],
    "expansions": ["sender_id", "participant_ids"],
    "user_fields": ["username", "name", "profile_image_url"],
    "event_types": "MessageCreate",
}
ClientFactory = Callable[[ChannelContext | None, dict[str, Any]], tweepy.Client]


@contextmanager
def platform_errors(what: str) -> Iterator[None]:
    try:
        yield
    except tweepy.TooManyRequests as exc:
        reset = parse_reset(exc.response.headers.get("x-rate-limit-reset"))
        raise RateLimited(f"{what}: X rate limit reached", reset_at=reset, platform_error=_said(exc)) from exc
    except tweepy.Unauthorized as exc:
        raise AuthExpired(f"{what}: X refused the credentials ({_said(exc)})", platform_error=_said(exc)) from exc
    except tweepy.Forbidden as exc:
        raise Refused(
            f"{what}: X forbids this for the app or account: {_said(exc)}", platform_error=_said(exc)
        ) from exc
    except (tweepy.BadRequest, tweepy.NotFound) as exc:
        raise Refused(f"{what}: {_said(exc)}", platform_error=_said(exc)) from exc
    except tweepy.TwitterServerError as exc:
        raise TransientError(f"{what}: X server error {exc.response.status_code}", platform_error=_said(exc)) from exc
    except tweepy.HTTPException as exc:
        raise TransientError(f"{what}: {_said(exc)}", platform_error=_said(exc)) from exc
    except requests.RequestException as exc:
        raise TransientError(f"{what}: {exc}", platform_error=str(exc)) from exc


def _said(exc: tweepy.HTTPException) -> str:
    """What X said: the problem titles and details, or the plain-text body (the 429 body is plain text)."""
    parts = [m for m in exc.api_messages if m]
    if not parts:
        try:
            body = exc.response.json()
        except ValueError:
            return exc.response.text.strip() or str(exc.response.status_code)
        parts = [str(body.get("detail") or body.get("title") or body)] if isinstance(body, dict) else [str(body)]
    return "; ".join(parts)


def _newest(a: str | None, b: str | None) -> str | None:
    if not a or not b:
        return a or b
    return max(a, b, key=lambda v: (len(v), v))


def normalised(
    items: list[dict[str, Any]], make: Callable[[dict[str, Any]], NormalisedMessage], notes: list[str]
) -> list[NormalisedMessage]:
    """Each item normalised by `make`. An item `make` refuses (InvalidMessage: a time out of range, say) is
    left out with a note naming the field and the item, and the rest kept, as `sync_channel` does with a message
    that breaks the model's contract: X serves the item again on every sync, so refusing the page would stop the
    channel for good. The refused item is never stored, and nothing else is stored in its place."""
    found = []
    for item in items:
        try:
            found.append(make(item))
        except InvalidMessage as exc:
            note_refused(notes, exc)
    return found


def _posts(body: dict[str, Any], self_id: str, source: dict[str, Any], notes: list[str]) -> list[NormalisedMessage]:
    """The v2 posts of a page (`data`, with its `includes`), each with its own event id in `source`."""
    includes = body.get("includes")
    return normalised(
        body.get("data") or [],
        lambda t: tweet_v2(t, includes=includes, self_id=self_id, source={**source, "event_id": str(t.get("id"))}),
        notes,
    )


def _dm_events(body: dict[str, Any], self_id: str, source: dict[str, Any], notes: list[str]) -> list[NormalisedMessage]:
    """The `MessageCreate` DM events of a page, each with its own event id in `source`."""
    includes = body.get("includes")
    return normalised(
        [e for e in body.get("data") or [] if e.get("event_type", "MessageCreate") == "MessageCreate"],
        lambda e: dm_event_v2(e, includes=includes, self_id=self_id, source={**source, "event_id": str(e.get("id"))}),
        notes,
    )


def _sent_time(data: dict[str, Any]) -> datetime:
    """The time X gives the post just made, else now: the post exists, so a malformed time in X's answer must
    not fail the send (the outbox would send it again)."""
    try:
        return parse_time(data.get("created_at"), field="created_at", item="X's answer to a post") or datetime.now(UTC)
    except InvalidMessage:
        return datetime.now(UTC)


def _exhausted(response: requests.Response) -> bool:
    return response.headers.get("x-rate-limit-remaining") == "0"


def partial_errors(body: dict[str, Any]) -> list[str]:
    """The `errors[]` X sends next to `data` with HTTP 200 (a deleted reference, a suspended author)."""
    return [str(e.get("detail") or e.get("title") or e) for e in body.get("errors") or []]


def default_client(channel: ChannelContext | None, credentials: dict[str, Any]) -> tweepy.Client:
    creds = credentials
    return tweepy.Client(
        bearer_token=creds.get("bearer_token"),
        consumer_key=creds.get("consumer_key"),
        consumer_secret=creds.get("consumer_secret"),
        access_token=creds.get("access_token"),
        access_token_secret=creds.get("access_token_secret"),
        return_type=requests.Response,
        wait_on_rate_limit=False,
    )


class XConnector:
    network = Network.X
    capabilities = frozenset(
        {
            Capability.READ_MENTIONS,
            Capability.READ_COMMENTS,
            Capability.READ_DIRECT,
            Capability.REPLY,
            Capability.DIRECT,
            Capability.POST,
            Capability.HIDE,
            Capability.WEBHOOKS,
            Capability.BACKFILL,
        }
    )

    def __init__(self, *, client_factory: ClientFactory | None = None, follow_threads: int = 20) -> None:
        self._client_factory = client_factory or default_client
        self.follow_threads = follow_threads

    @staticmethod
    def _user_auth(credentials: dict[str, Any]) -> bool:
        """OAuth 1.0a user context when its four keys are there; otherwise the bearer slot holds the token (an
        OAuth 2.0 user token, or an app-only token that can read mentions but not DMs or write)."""
        return bool(credentials.get("access_token") and credentials.get("access_token_secret"))

    def _json(
        self, what: str, fn: Callable[..., requests.Response], *args: Any, **kwargs: Any
    ) -> tuple[dict[str, Any], requests.Response]:
        with platform_errors(what):
            response = fn(*args, **kwargs)
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        return (body if isinstance(body, dict) else {"data": body}), response

    def authenticate(self, credentials: dict[str, Any], config: dict[str, Any]) -> Account:
        if not (credentials.get("bearer_token") or self._user_auth(credentials)):
            raise ValueError(
                "X needs user credentials: --consumer-key/--consumer-secret/--access-token/--access-token-secret "
                "(OAuth 1.0a) or --bearer-token (an OAuth 2.0 user token with tweet.read users.read dm.read ...)"
            )
        client = self._client_factory(None, credentials)
        body, response = self._json("read the account", client.get_me, user_auth=self._user_auth(credentials))
        me = body.get("data") or {}
        return Account(
            account_id=str(me["id"]),
            handle=f"@{me['username']}",
            name=str(me.get("name") or me["username"]),
            credentials=dict(credentials),
            config={"access_level": response.headers.get("x-access-level")},
        )

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        client = self._client_factory(channel, channel.credentials)
        user_auth = self._user_auth(channel.credentials)
        new = dict(cursor)
        notes: list[str] = []
        messages, more = self._mentions(client, channel, new, notes, user_auth)
        if channel.config.get("dms", True):
            messages += self._dms(client, channel, new, notes, user_auth)
        if self.follow_threads and channel.config.get("threads", True):
            self._track(new, messages)
            messages += self._threads(client, channel, new, notes, user_auth)
        return Fetched(messages=messages, cursor=new, more=more, notes=tuple(notes))

    def _mentions(
        self, client: tweepy.Client, channel: ChannelContext, cursor: dict[str, Any], notes: list[str], user_auth: bool
    ) -> tuple[list[NormalisedMessage], bool]:
        me = channel.account_id
        round_ = dict(cursor.get("mentions_round") or {})
        body, response = self._json(
            "read mentions",
            client.get_users_mentions,
            me,
            since_id=cursor.get("mentions"),
            pagination_token=round_.get("next"),
            max_results=PAGE,
            user_auth=user_auth,
            **POST_PARAMS,
        )
        notes.extend(f"X reported: {e}" for e in partial_errors(body))
        meta = body.get("meta") or {}
        source = {"transport": "poll", "endpoint": "GET /2/users/:id/mentions", "cursor": round_.get("next")}
        messages = _posts(body, me, source, notes)
        newest = _newest(round_.get("newest"), meta.get("newest_id"))
        if meta.get("next_token") and not _exhausted(response):
            cursor["mentions_round"] = {"next": meta["next_token"], "newest": newest}
            return messages, True
        if meta.get("next_token"):
            cursor["mentions_round"] = {"next": meta["next_token"], "newest": newest}
            notes.append("X mentions rate limit used up: the rest comes after its reset")
        else:
            cursor.pop("mentions_round", None)
            if newest:
                cursor["mentions"] = _newest(cursor.get("mentions"), newest)
        return messages, False

    def _dms(
        self, client: tweepy.Client, channel: ChannelContext, cursor: dict[str, Any], notes: list[str], user_auth: bool
    ) -> list[NormalisedMessage]:
        seen = cursor.get("dms")
        found: list[NormalisedMessage] = []
        token = None
        for _ in range(10):  # at most 1,000 events a sync; the cursor stays at the last one stored
            try:
                body, response = self._json(
                    "read direct messages",
                    client.get_direct_message_events,
                    pagination_token=token,
                    max_results=PAGE,
                    user_auth=user_auth,
                    **DM_PARAMS,
                )
            except Refused as exc:
                notes.append(f"direct messages not read: {exc}")
                return found
            source = {"transport": "poll", "endpoint": "GET /2/dm_events"}
            page = _dm_events(body, channel.account_id, source, notes)
            fresh = [m for m in page if not seen or _newest(m.native.id, seen) != seen]
            found += fresh
            token = (body.get("meta") or {}).get("next_token")
            if len(fresh) < len(page) or not token or _exhausted(response) or not seen:
                break
        for message in found:
            cursor["dms"] = _newest(cursor.get("dms"), message.native.id)
        return found

    def _track(self, cursor: dict[str, Any], messages: list[NormalisedMessage]) -> None:
        """Follow the threads of public messages that reach us: replies in them may not mention us."""
        threads: dict[str, dict[str, Any]] = dict(cursor.get("threads") or {})
        for m in messages:
            if m.is_private or m.kind is Kind.OWN:
                continue
            root = m.thread.root.id if m.thread.root else m.native.id
            until = (m.created_at + timedelta(days=THREAD_DAYS)).isoformat()
            entry = threads.setdefault(root, {"since": None, "until": until})
            entry["until"] = max(entry["until"], until)
            entry["since"] = _newest(entry.get("since"), m.native.id)
        now = datetime.now(UTC).isoformat()
        live = {k: v for k, v in threads.items() if v["until"] > now}
        keep = sorted(live.items(), key=lambda kv: kv[1]["until"], reverse=True)[: self.follow_threads]
        cursor["threads"] = dict(keep)

    def _threads(
        self, client: tweepy.Client, channel: ChannelContext, cursor: dict[str, Any], notes: list[str], user_auth: bool
    ) -> list[NormalisedMessage]:
        found: list[NormalisedMessage] = []
        threads = cursor.get("threads") or {}
        for conversation_id, entry in threads.items():
            try:
                body, response = self._json(
                    "read a thread",
                    client.search_recent_tweets,
                    f"conversation_id:{conversation_id}",
                    since_id=entry.get("since"),
                    max_results=PAGE,
                    user_auth=user_auth,
                    **POST_PARAMS,
                )
            except Refused as exc:
                notes.append(f"threads not followed (recent search refused): {exc}")
                return found
            source = {"transport": "poll", "endpoint": "GET /2/tweets/search/recent"}
            found += _posts(body, channel.account_id, source, notes)
            entry["since"] = _newest(entry.get("since"), (body.get("meta") or {}).get("newest_id"))
            if _exhausted(response):
                notes.append("X recent-search rate limit used up: threads resume after its reset")
                break
        return found

    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        client = self._client_factory(channel, channel.credentials)
        user_auth = self._user_auth(channel.credentials)
        parent = outgoing.in_reply_to
        conversation = outgoing.private_conversation_id or (
            parent.thread.conversation_id if parent is not None and parent.is_private else None
        )
        if conversation or (parent is not None and outgoing.private_reply):
            if conversation:
                target = {"dm_conversation_id": conversation}
            else:
                assert parent is not None
                target = {"participant_id": parent.author.native_id}  # a private answer to a public post
            body, _ = self._json(
                "send a direct message", client.create_direct_message, text=outgoing.text, user_auth=user_auth, **target
            )
            data = body.get("data") or {}
            return Sent(native=NativeRef(id=str(data["dm_event_id"])), created_at=datetime.now(UTC), raw=body)
        reply_to = parent.native.id if parent is not None else None
        body, _ = self._json(
            "post", client.create_tweet, text=outgoing.text, in_reply_to_tweet_id=reply_to, user_auth=user_auth
        )
        data = body.get("data") or {}
        return Sent(
            native=NativeRef(id=str(data["id"]), uri=f"https://x.com/i/status/{data['id']}"),
            created_at=_sent_time(data),
            raw=body,
        )

    def moderate(self, channel: ChannelContext, target: NormalisedMessage, action: Moderation) -> dict[str, Any]:
        if action not in (Moderation.HIDE, Moderation.UNHIDE):
            raise Refused(f"X cannot {action.value} a post: only replies to the brand's posts can be hidden")
        client = self._client_factory(channel, channel.credentials)
        fn = client.hide_reply if action is Moderation.HIDE else client.unhide_reply
        body, _ = self._json(
            f"{action.value} a reply", fn, target.native.id, user_auth=self._user_auth(channel.credentials)
        )
        return body
