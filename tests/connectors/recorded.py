"""Replay the real recorded Mastodon payloads (../shared/payloads/mastodon, vcrpy cassettes decoded by the
payload collectors) to Mastodon.py, whose HTTP goes through `requests`, with the `responses` library.

Responses are served per method and path, in the order they were recorded (the last one repeats); the query
string is not matched, so a test can check the query goodwill sent (`Replay.calls`) against what it means
(min_id=..., types[]=mention) while the body and headers stay exactly what the real server answered.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

from tests.conftest import shared_file

DROP = {"transfer-encoding", "content-encoding", "content-length"}


def cassette(name: str) -> list[dict[str, Any]]:
    """The interactions of payloads/mastodon/<name>.mastodonpy.json."""
    data = json.loads(Path(shared_file(f"payloads/mastodon/{name}.mastodonpy.json")).read_text())
    interactions = data.get("interactions") or [{"request": data["request"], "response": data["response"]}]
    return interactions  # type: ignore[no-any-return]


def body_of(interaction: dict[str, Any]) -> Any:
    response = interaction["response"]
    return response["body"] if "body" in response else response.get("body_excerpt")


def pick(name: str, method: str, path_end: str) -> dict[str, Any]:
    """The first recorded interaction of `name` with this method whose path ends with `path_end`."""
    for interaction in cassette(name):
        request = interaction["request"]
        if request["method"] == method and urlsplit(request["uri"]).path.rstrip("/").endswith(path_end):
            return interaction
    raise LookupError(f"{name}: no {method} ...{path_end}")


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Replay:
    served: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    calls: list[Call] = field(default_factory=list)

    def add(
        self,
        *interactions: dict[str, Any],
        status: int | None = None,
        headers: dict[str, str] | None = None,
        body: Any = ...,
    ) -> Replay:
        """Serve these recorded interactions. `status`/`headers`/`body` override parts of a recorded response
        for failure cases that were never recorded (a 429 keeps the recorded headers but the status changes)."""
        for interaction in interactions:
            request = interaction["request"]
            parts = urlsplit(request["uri"])
            response = dict(interaction["response"])
            if status is not None:
                response["status"] = {"code": status, "message": ""}
            if headers:
                response["headers"] = {**response["headers"], **headers}
            if body is not ...:
                response["body"] = body
                response.pop("body_excerpt", None)
            key = (request["method"], f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}")
            self.served[key].append(response)
        return self

    def _callback(self, key: tuple[str, str]) -> Any:
        def answer(request: Any) -> tuple[int, dict[str, str], str]:
            parts = urlsplit(request.url)
            raw = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
            form = parse_qs(raw) if "json" not in request.headers.get("Content-Type", "") else {}
            self.calls.append(Call(request.method, parts.path, parse_qs(parts.query), form, dict(request.headers)))
            queue = self.served[key]
            response = queue.pop(0) if len(queue) > 1 else queue[0]
            headers = {k: v for k, v in response["headers"].items() if k.lower() not in DROP}
            payload = response["body"] if "body" in response else response.get("body_excerpt")
            text = "" if payload is None else json.dumps(payload)
            return response["status"]["code"], headers, text

        return answer

    @contextmanager
    def running(self) -> Iterator[Replay]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for key in self.served:
                method, url = key
                mock.add_callback(method, re.compile(re.escape(url) + r"/?(\?.*)?$"), callback=self._callback(key))
            yield self
