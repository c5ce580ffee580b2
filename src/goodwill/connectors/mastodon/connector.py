"""The Mastodon connector (Mastodon.py): mention notifications (mentions, replies and direct messages all
arrive as `mention` notifications), direct conversations, thread roots from status context; replies with the
right visibility and an Idempotency-Key.

Raw JSON: Mastodon.py turns responses into its own objects (times parsed, ids retyped), so a response hook on
its requests session keeps the body exactly as the server sent it, and that is what is normalised and stored.

Cursor: `notifications` is the newest notification id taken. The next sync asks for `min_id=<it>` (the page
right after it) and pages forward until a short page, so a restart resumes exactly; `convos` maps each
direct conversation to the last status id read in it. Rate limits: Mastodon.py reads `X-RateLimit-*`; its
"throw" mode raises on a 429, which becomes RateLimited with the server's own reset time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
from mastodon import Mastodon
from mastodon import errors as mx
from mastodon.return_types import Status
from mastodon.types_base import try_cast_recurse

from goodwill.connectors.base import (
    Account,
    AuthExpired,
    Capability,
    ChannelContext,
    Fetched,
    Outgoing,
    RateLimited,
    Refused,
    Sent,
    TransientError,
)
from goodwill.connectors.health import parse_reset
from goodwill.connectors.mastodon.normalise import host_of, notification_status, parse_time, status_message
from goodwill.domain.enums import Network, Visibility
from goodwill.domain.message import NativeRef, NormalisedMessage

PAGE = 40  # Mastodon's maximum for notifications
REPLY_VISIBILITY = {  # never widen: a reply is at most as visible as what it answers
    Visibility.DIRECT: "direct",
    Visibility.FOLLOWERS: "private",
    Visibility.UNLISTED: "unlisted",
    Visibility.PUBLIC: "public",
}
SessionFactory = Callable[[], requests.Session]


def _newer(a: str | None, b: str | None) -> str | None:
    """The larger of two Mastodon ids (numeric strings, compared as numbers when they are)."""
    if not a or not b:
        return a or b
    key = (lambda v: (len(v), v)) if a.isdigit() and b.isdigit() else (lambda v: (0, v))
    return max(a, b, key=key)


class _Recorder:
    """Keeps the JSON body of the last response, untouched."""

    def __init__(self) -> None:
        self.body: Any = None
        self.headers: Mapping[str, str] = {}

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            self.body = response.json()
        except ValueError:
            self.body = None
        self.headers = response.headers  # case-insensitive
        return response


@contextmanager
def platform_errors(what: str, api: Mastodon | None = None, recorder: _Recorder | None = None) -> Iterator[None]:
    try:
        yield
    except mx.MastodonRatelimitError as exc:
        reset = parse_reset(recorder.headers.get("X-RateLimit-Reset") if recorder else None)
        if reset is None and api is not None and api.ratelimit_reset:
            reset = datetime.fromtimestamp(float(api.ratelimit_reset), tz=UTC)
        raise RateLimited(f"{what}: Mastodon rate limit reached", reset_at=reset, platform_error=str(exc)) from exc
    except mx.MastodonUnauthorizedError as exc:
        raise AuthExpired(f"{what}: the server refused the access token ({exc})", platform_error=str(exc)) from exc
    except (mx.MastodonNetworkError, mx.MastodonServerError) as exc:
        raise TransientError(f"{what}: {exc}", platform_error=str(exc)) from exc
    except mx.MastodonAPIError as exc:
        if "403" in str(exc) and "token" in str(exc).lower():
            raise AuthExpired(f"{what}: {exc}", platform_error=str(exc)) from exc
        raise Refused(f"{what}: {exc}", platform_error=str(exc)) from exc
    except mx.MastodonError as exc:
        raise TransientError(f"{what}: {exc}", platform_error=str(exc)) from exc


class MastodonConnector:
    network = Network.MASTODON
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
        self, *, session_factory: SessionFactory | None = None, backfill_limit: int = 200, resolve_roots: bool = True
    ) -> None:
        self._session_factory = session_factory or requests.Session
        self.backfill_limit = backfill_limit
        self.resolve_roots = resolve_roots

    def _api(self, base_url: str, token: str) -> tuple[Mastodon, _Recorder]:
        session = self._session_factory()
        recorder = _Recorder()
        session.hooks["response"].append(recorder)
        api = Mastodon(
            access_token=token,
            api_base_url=base_url,
            session=session,
            version_check_mode="none",
            ratelimit_method="throw",
            request_timeout=30,
        )
        return api, recorder

    def _call(
        self, what: str, api: Mastodon, recorder: _Recorder, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        with platform_errors(what, api, recorder):
            fn(*args, **kwargs)
        return recorder.body

    def authenticate(self, credentials: dict[str, Any], config: dict[str, Any]) -> Account:
        base_url = str(config.get("server") or credentials.get("server") or "").rstrip("/")
        token = str(credentials.get("access_token") or "")
        if not base_url or not token:
            raise ValueError(
                "Mastodon needs --server (https://your.instance) and --token (an access token with "
                "read and write scopes, from Preferences > Development)"
            )
        api, recorder = self._api(base_url, token)
        me = self._call("verify the access token", api, recorder, api.account_verify_credentials)
        host = host_of(base_url)
        return Account(
            account_id=f"{me['id']}@{host}",
            handle=f"{me['acct']}@{host}" if "@" not in me["acct"] else me["acct"],
            name=me.get("display_name") or me["acct"],
            credentials={"access_token": token},
            config={"server": base_url, "account": str(me["id"])},
        )

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        base_url = _server(channel)
        api, recorder = self._api(base_url, str(channel.credentials.get("access_token") or ""))
        self_id = str(channel.config.get("account") or channel.account_id.split("@", 1)[0])
        new_cursor = dict(cursor)
        statuses: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []  # status, source, envelope
        since = cursor.get("notifications")
        if since:
            page = (
                self._call(
                    "read notifications", api, recorder, api.notifications, types=["mention"], min_id=since, limit=PAGE
                )
                or []
            )
            more = len(page) >= PAGE
        else:  # the backfill: the newest notifications, up to backfill_limit
            page, max_id = [], None
            while len(page) < self.backfill_limit:
                got = (
                    self._call(
                        "read notifications",
                        api,
                        recorder,
                        api.notifications,
                        types=["mention"],
                        max_id=max_id,
                        limit=PAGE,
                    )
                    or []
                )
                page.extend(got)
                if len(got) < PAGE:
                    break
                max_id = got[-1]["id"]
            more = False
        for notification in page:
            new_cursor["notifications"] = _newer(new_cursor.get("notifications"), str(notification["id"]))
            status = notification_status(notification)
            if status is not None:
                envelope = {k: v for k, v in notification.items() if k != "status"}
                statuses.append(
                    (
                        status,
                        {
                            "transport": "poll",
                            "endpoint": "GET /api/v1/notifications",
                            "event_id": str(notification["id"]),
                        },
                        envelope,
                    )
                )
        statuses.extend(self._conversations(api, recorder, new_cursor))
        roots = self._roots(api, recorder, [s for s, _, _ in statuses])
        messages: list[NormalisedMessage] = [
            status_message(
                status,
                base_url=base_url,
                self_id=self_id,
                root_id=roots.get(str(status["id"])),
                source=source,
                envelope=envelope,
            )
            for status, source, envelope in statuses
        ]
        return Fetched(messages=messages, cursor=new_cursor, more=more)

    def _conversations(
        self, api: Mastodon, recorder: _Recorder, cursor: dict[str, Any]
    ) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        """The last status of each direct conversation that changed (catches DMs the brand sent elsewhere)."""
        seen: dict[str, str] = dict(cursor.get("convos") or {})
        found = []
        for convo in self._call("read direct conversations", api, recorder, api.conversations, limit=PAGE) or []:
            last = convo.get("last_status")
            if not isinstance(last, dict) or seen.get(str(convo["id"])) == str(last["id"]):
                continue
            seen[str(convo["id"])] = str(last["id"])
            envelope = {k: v for k, v in convo.items() if k != "last_status"}
            found.append(
                (
                    last,
                    {"transport": "poll", "endpoint": "GET /api/v1/conversations", "event_id": str(convo["id"])},
                    envelope,
                )
            )
        cursor["convos"] = seen
        return found

    def _roots(self, api: Mastodon, recorder: _Recorder, statuses: list[dict[str, Any]]) -> dict[str, str]:
        """Thread roots of the replies, from /statuses/:id/context (ancestors[0]); a reply whose context cannot
        be read keeps its parent link only, which still places it when the parent is stored."""
        roots: dict[str, str] = {}
        if not self.resolve_roots:
            return roots
        for status in statuses:
            if not status.get("in_reply_to_id") or str(status["id"]) in roots:
                continue
            try:
                context = self._call("read a thread", api, recorder, api.status_context, status["id"])
            except RateLimited:
                raise
            except (Refused, TransientError):
                continue
            ancestors = (context or {}).get("ancestors") or []
            roots[str(status["id"])] = str(ancestors[0]["id"]) if ancestors else str(status["in_reply_to_id"])
        return roots

    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        base_url = _server(channel)
        api, recorder = self._api(base_url, str(channel.credentials.get("access_token") or ""))
        parent = outgoing.in_reply_to
        if parent is not None:
            wanted = outgoing.visibility or (Visibility.DIRECT if outgoing.private_reply else parent.visibility)
            visibility = REPLY_VISIBILITY[min(wanted, parent.visibility, key=list(REPLY_VISIBILITY).index)]
            # status_reply adds the @mentions of everyone in the parent (but us) and keeps its content warning.
            body = self._call(
                "reply",
                api,
                recorder,
                api.status_reply,
                to_status=_for_reply(parent.raw),
                status=outgoing.text,
                visibility=visibility,
                idempotency_key=outgoing.idempotency_key,
            )
        else:
            visibility = REPLY_VISIBILITY[outgoing.visibility or Visibility.PUBLIC]
            body = self._call(
                "post",
                api,
                recorder,
                api.status_post,
                outgoing.text,
                visibility=visibility,
                idempotency_key=outgoing.idempotency_key,
            )
        return Sent(
            native=NativeRef(id=str(body["id"]), host=base_url, uri=body.get("uri")),
            created_at=parse_time(body.get("created_at")) or datetime.now(UTC),
            raw=body,
        )


def _for_reply(raw: dict[str, Any]) -> Any:
    """The stored status as Mastodon.py's status_reply reads it (attribute access to account, mentions,
    visibility and spoiler_text); the stored dict itself is not changed."""
    return try_cast_recurse(Status, raw)  # type: ignore[no-untyped-call]


def _server(channel: ChannelContext) -> str:
    """The channel's Mastodon server, which `authenticate` stores in its config; a channel made without it (by
    hand, or a simulated one such as the demo's) needs connecting: AuthExpired, recorded as its health."""
    server = channel.config.get("server")
    if not server:
        raise AuthExpired(
            "this Mastodon channel has no server configured: "
            "run `goodwill connect mastodon --server https://... --token ...`"
        )
    return str(server)
