"""A small Graph API client over an injected httpx client: the Page token in the Authorization header, an
`appsecret_proof` when the app secret is known, Graph errors mapped to the connector errors, and the usage
headers read so a sync stops before Meta throttles it.

Errors are decided by Graph's `error.code` / `error_subcode`, not the HTTP status (Meta's advice): 190 and
102 mean the token is gone (AuthExpired); 4, 17, 32, 613 and the business-use-case codes 80001-80014 are
throttling (RateLimited, with `estimated_time_to_regain_access` when Meta gives it); 1, 2 and 5xx are
passing (TransientError); anything else is a refusal of this one request (Refused) with Meta's message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from goodwill.connectors.base import AuthExpired, ConnectorError, RateLimited, Refused, TransientError

VERSION = "v21.0"
BASE = "https://graph.facebook.com"
AUTH_CODES = {102, 190}
THROTTLE_CODES = {4, 17, 32, 613} | set(range(80001, 80015))
TRANSIENT_CODES = {1, 2}
USAGE_LIMIT = 95  # percent: stop asking before Meta throttles


def error_from(status: int, body: Any, what: str, headers: httpx.Headers | None = None) -> ConnectorError:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        if status >= 500:
            return TransientError(f"{what}: Meta answered HTTP {status}", platform_error=body)
        return Refused(f"{what}: Meta answered HTTP {status}", platform_error=body)
    code = int(error.get("code") or 0)
    message = str(error.get("error_user_msg") or error.get("message") or "")
    if code in AUTH_CODES:
        return AuthExpired(f"{what}: the Page token was refused ({message})", platform_error=error)
    if code in THROTTLE_CODES:
        return RateLimited(f"{what}: Meta is throttling ({message})", reset_at=regain_at(headers), platform_error=error)
    if code in TRANSIENT_CODES or status >= 500 or error.get("is_transient"):
        return TransientError(f"{what}: {message}", platform_error=error)
    return Refused(f"{what}: {message}", platform_error=error)


def usage(headers: httpx.Headers) -> int:
    """The highest percentage in `X-App-Usage` / `X-Business-Use-Case-Usage` (0 when absent)."""
    highest = 0
    for name in ("x-app-usage", "x-page-usage", "x-business-use-case-usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        blocks = [b for v in data.values() for b in v] if name == "x-business-use-case-usage" else [data]
        for block in blocks:
            for key in ("call_count", "total_cputime", "total_time"):
                if isinstance(block.get(key), int | float):
                    highest = max(highest, int(block[key]))
    return highest


def regain_at(headers: httpx.Headers | None) -> datetime | None:
    raw = headers.get("x-business-use-case-usage") if headers is not None else None
    if not raw:
        return None
    try:
        minutes = max(int(b.get("estimated_time_to_regain_access") or 0) for v in json.loads(raw).values() for b in v)
    except (ValueError, AttributeError, TypeError):
        return None
    return datetime.now(UTC) + timedelta(minutes=minutes) if minutes else None


class Graph:
    def __init__(self, client: httpx.Client, token: str, *, app_secret: str | None = None, version: str = VERSION):
        self.client = client
        self.token = token
        self.version = version
        self.proof = hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest() if app_secret else None
        self.busy = False  # set when a response said usage is near the limit

    def call(
        self,
        what: str,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        query = dict(params or {})
        if self.proof:
            query["appsecret_proof"] = self.proof
        url = path if path.startswith("http") else f"{BASE}/{self.version}/{path.lstrip('/')}"
        try:
            response = self.client.request(
                method, url, params=query, json=data, headers={"Authorization": f"Bearer {self.token}"}
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {exc}", platform_error=str(exc)) from exc
        try:
            body = response.json()
        except ValueError:
            body = {"text": response.text}
        if response.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            raise error_from(response.status_code, body, what, response.headers)
        self.busy = self.busy or usage(response.headers) >= USAGE_LIMIT
        return body if isinstance(body, dict) else {"data": body}

    def get(self, what: str, path: str, **params: Any) -> dict[str, Any]:
        return self.call(what, "GET", path, params=params)

    def post(self, what: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.call(what, "POST", path, data=data)

    def pages(self, what: str, path: str, *, limit: int = 4, **params: Any) -> list[dict[str, Any]]:
        """The `data` items of up to `limit` pages, following `paging.next`."""
        items: list[dict[str, Any]] = []
        body = self.get(what, path, **params)
        for _ in range(limit):
            items.extend(body.get("data") or [])
            following = (body.get("paging") or {}).get("next")
            if not following or self.busy:
                break
            body = self.call(what, "GET", following)
        return items
