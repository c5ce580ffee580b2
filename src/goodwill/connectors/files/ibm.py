"""IBM's customer-care threads (Hardalov et al., EMNLP 2020): real X threads between customers and 25 brands.

The file is one JSON array; each thread has `dialogHeader` (company, ...), `dialogContent` (turns keyed
`client`, `client1` or `agent`, with tweet_ID, datetime, message) and `agentURL`, the brand's final answer,
which has no datetime: its time is read from its X id (a snowflake). Each turn answers the turn before it.
Authors are known by screen name only, so their identities are keyed by lower-cased handle in the scope
"x:handle" (numeric X ids of the same people, from a live channel, are a different identity until merged).
A thread that appears twice in the file is stored once (re-importing is a no-op by design).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from goodwill.connectors.files.base import BadRecord, ChannelKey, Record, checked, parse_time, snowflake_time
from goodwill.domain.enums import Direction, Kind, Network
from goodwill.domain.message import Actor, InvalidMessage, NativeRef, NormalisedMessage, ThreadRefs


def _thread_lines(data: bytes) -> list[int]:
    """The line of each thread's `"dialogHeader"` key, to say where in the file a bad thread is."""
    lines, line, start = [], 1, 0
    marker = b'"dialogHeader"'
    while (found := data.find(marker, start)) != -1:
        line += data.count(b"\n", start, found)
        lines.append(line)
        start = found + len(marker)
    return lines


def read_ibm(path: Path) -> Iterator[Record | BadRecord]:
    data = path.read_bytes()
    try:
        threads = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield BadRecord(path, exc.lineno, None, f"not valid JSON ({exc.msg})")
        return
    if not isinstance(threads, list):
        yield BadRecord(path, 1, None, "expected a JSON array of threads")
        return
    lines = _thread_lines(data)
    for number, thread in enumerate(threads):
        line = lines[number] if number < len(lines) else 1
        try:
            records = list(_thread(path, line, number, thread))
        except InvalidMessage as exc:
            yield BadRecord(path, line, f"[{number}].{exc.field}", exc.problem)
        else:
            yield from records


def _need(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict) or obj.get(key) in (None, ""):
        raise InvalidMessage(f"{where}.{key}" if where else key, "is required")
    return obj[key]


def _thread(path: Path, line: int, number: int, thread: Any) -> Iterator[Record | BadRecord]:
    header = _need(thread, "dialogHeader", "")
    company = str(_need(header, "company", "dialogHeader"))
    turns = _need(thread, "dialogContent", "")
    if not isinstance(turns, list):
        raise InvalidMessage("dialogContent", "must be a list of turns")
    final = _need(thread, "agentURL", "")
    channel = ChannelKey(Network.X, company.lower(), company)
    parent: str | None = None
    for index, given in enumerate([*turns, None]):
        if given is None:
            where = "agentURL"
            tweet_id = str(_need(final, "tweet_ID", where))
            try:
                created = snowflake_time(tweet_id)
            except InvalidMessage as exc:
                raise InvalidMessage(f"{where}.tweet_ID", exc.problem) from None
            turn = {"agent": company, "tweet_ID": tweet_id, "message": _need(final, "url_utterance", where)}
            raw = final
        else:
            where = f"dialogContent[{index}]"
            turn = given
            created = parse_time(_need(turn, "datetime", where), f"{where}.datetime")
            raw = turn
        tweet_id = str(_need(turn, "tweet_ID", where))
        speaker = next((k for k in ("client", "client1", "agent") if isinstance(turn, dict) and k in turn), None)
        if speaker is None:
            raise InvalidMessage(f"{where}.client", "the turn names no speaker (client, client1 or agent)")
        handle = str(turn[speaker])
        outbound = speaker == "agent"
        message = NormalisedMessage(
            network=Network.X,
            native=NativeRef(id=tweet_id),
            kind=Kind.OWN if outbound else Kind.REPLY if parent else Kind.MENTION,
            direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
            author=Actor(
                native_id=handle.lower(),
                handle=handle,
                id_scope="" if outbound else "x:handle",
                is_self=outbound,
            ),
            text=str(_need(turn, "message", where)),
            created_at=created,
            thread=ThreadRefs(parent=NativeRef(parent) if parent else None),
            source={"transport": "file", "format": "ibm-customer-care", "thread": number},
            raw=raw,
            raw_envelope={"dialogHeader": header},
        )
        yield checked(path, line, channel, message)
        parent = tweet_id
