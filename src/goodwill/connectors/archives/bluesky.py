"""The Bluesky repository export: the CAR file `com.atproto.sync.getRepo` returns (Settings > Account > Export my
data in the Bluesky app downloads the same file, `repo.car`).

Layout (atproto repository spec, https://atproto.com/specs/repository, and the CAR v1 format): a header naming
one root, the signed commit `{did, version: 3, data, rev, prev, sig}`; `data` points at the root node of a
Merkle Search Tree whose nodes are `{l: link|null, e: [{p, k, v, t}]}`: each entry's key is the first `p` bytes
of the previous key plus the bytes `k`, `v` links the record, `t` the subtree after it, `l` the subtree before
the first entry. Keys are `<collection>/<rkey>`. Blocks are DAG-CBOR, decoded by `libipld` (the decoder the
`atproto` SDK's `atproto_core.car.CAR` uses); a link decodes as the CID's bytes.

Read: `app.bsky.feed.post` records. A repository holds only its own account's records, so every post is the
brand's own (outbound); replies keep `reply.root` and `reply.parent` as strong refs (AT-URI + CID), quotes
`embed.record`. Others' posts, likes, follows, and chat messages are not in a repository export.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libipld

from goodwill.connectors.archives.common import MAX_MEMBER, ArchiveError
from goodwill.connectors.bluesky.normalise import attachments, entities, quoted, strong_ref
from goodwill.connectors.files.base import BadRecord, ChannelKey, Record, checked, parse_time
from goodwill.domain.enums import Direction, Kind, Network
from goodwill.domain.message import Actor, InvalidMessage, NativeRef, NormalisedMessage, ThreadRefs

POST = "app.bsky.feed.post"
PROFILE = "app.bsky.actor.profile"
MAX_NODES = 5_000_000  # MST nodes walked before the tree is taken for a cycle


def cid_text(raw: object) -> str | None:
    """A decoded link (the CID's bytes) as its usual string form, `bafyrei...`; None if it is not a CID."""
    if not isinstance(raw, bytes) or len(raw) < 4 or raw[0] != 1:
        return None
    try:
        return libipld.encode_cid(raw)
    except ValueError:
        return None


def as_json(value: Any) -> Any:
    """A decoded DAG-CBOR value in the atproto JSON form: links as `{"$link": cid}`, bytes as `{"$bytes": b64}`."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, bytes):
        link = cid_text(value)
        if link is not None:
            return {"$link": link}
        return {"$bytes": base64.b64encode(value).decode("ascii").rstrip("=")}
    return value


def read_bluesky_car(path: Path) -> Iterator[Record | BadRecord]:
    where = str(path)
    try:
        did, blocks, entries = _open(path)
        channel = ChannelKey(Network.BLUESKY, did, did)
        profile = _profile(blocks, entries)
        yield from _posts(where, did, channel, profile, blocks, entries)
    except ArchiveError as exc:
        yield exc.bad()


def _open(path: Path) -> tuple[str, dict[bytes, Any], list[tuple[str, bytes]]]:
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_MEMBER:
            raise ArchiveError(where, f"{size} bytes is more than this reader takes")
        data = path.read_bytes()
    except OSError as exc:
        raise ArchiveError(where, f"cannot be read ({exc})") from None
    try:
        header, blocks = libipld.decode_car(data)
    except (ValueError, RecursionError, OverflowError, TypeError) as exc:
        raise ArchiveError(where, f"not a readable CAR file ({exc}): is this the repo.car export?") from None
    roots = header.get("roots") if isinstance(header, dict) else None
    if not isinstance(roots, list) or not roots or not isinstance(roots[0], bytes):
        raise ArchiveError(where, "the CAR header names no root", field="roots")
    commit = blocks.get(roots[0])
    if not isinstance(commit, dict):
        raise ArchiveError(where, f"the root block {cid_text(roots[0])} is missing", field="roots")
    did = commit.get("did")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise ArchiveError(where, "the commit has no account DID: is this a repository export?", field="commit.did")
    if not isinstance(commit.get("data"), bytes):
        raise ArchiveError(where, "the commit has no data link (MST root)", field="commit.data")
    return did, blocks, _walk(where, blocks, commit["data"])


def _walk(where: str, blocks: dict[bytes, Any], root: bytes) -> list[tuple[str, bytes]]:
    """Every (key, record link) of the Merkle Search Tree under `root`, in key order."""
    found: list[tuple[str, bytes]] = []
    stack: list[tuple[str, Any]] = [("node", root)]
    seen: set[bytes] = set()
    while stack:
        what, item = stack.pop()
        if what == "entry":
            found.append(item)
            continue
        if item in seen or len(seen) > MAX_NODES:
            raise ArchiveError(where, f"the tree links node {cid_text(item)} twice", field="mst")
        seen.add(item)
        node = blocks.get(item)
        field = f"mst node {cid_text(item)}"
        if not isinstance(node, dict) or not isinstance(node.get("e"), list):
            raise ArchiveError(where, "missing, or not a tree node {l, e}", field=field)
        todo: list[tuple[str, Any]] = []
        if node.get("l") is not None:
            todo.append(("node", _link(where, node["l"], f"{field}.l")))
        key = b""
        for index, entry in enumerate(node["e"]):
            name = f"{field}.e[{index}]"
            prefix, suffix = (entry.get("p"), entry.get("k")) if isinstance(entry, dict) else (None, None)
            if not isinstance(prefix, int) or isinstance(prefix, bool) or not 0 <= prefix <= len(key):
                raise ArchiveError(where, "p must be a prefix length of the previous key", field=f"{name}.p")
            if not isinstance(suffix, bytes):
                raise ArchiveError(where, "k must be bytes", field=f"{name}.k")
            key = key[:prefix] + suffix
            try:
                text = key.decode("utf-8")
            except UnicodeDecodeError:
                raise ArchiveError(where, "the key is not UTF-8", field=f"{name}.k") from None
            todo.append(("entry", (text, _link(where, entry.get("v"), f"{name}.v"))))
            if entry.get("t") is not None:
                todo.append(("node", _link(where, entry["t"], f"{name}.t")))
        stack.extend(reversed(todo))
    return found


def _link(where: str, value: object, field: str) -> bytes:
    if cid_text(value) is None:
        raise ArchiveError(where, "not a link (CID)", field=field)
    assert isinstance(value, bytes)
    return value


def _profile(blocks: dict[bytes, Any], entries: list[tuple[str, bytes]]) -> dict[str, Any]:
    for key, link in entries:
        if key == f"{PROFILE}/self" and isinstance(blocks.get(link), dict):
            profile: dict[str, Any] = blocks[link]
            return profile
    return {}


def _posts(
    where: str,
    did: str,
    channel: ChannelKey,
    profile: dict[str, Any],
    blocks: dict[bytes, Any],
    entries: list[tuple[str, bytes]],
) -> Iterator[Record | BadRecord]:
    # A CAR has no lines: the line is the record's position among the posts (1-based), the field names its key.
    number = 0
    for key, link in entries:
        collection, _, rkey = key.partition("/")
        if collection != POST:
            continue
        number += 1
        try:
            block = blocks.get(link)
            if not isinstance(block, dict):
                raise InvalidMessage(key, f"the record block {cid_text(link)} is missing or not a map")
            record = as_json(block)
            uri = f"at://{did}/{POST}/{rkey}"
            reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
            text = record.get("text", "")
            if not isinstance(text, str):
                raise InvalidMessage(f"{key}.text", "must be a string")
            langs = record.get("langs")
            message = NormalisedMessage(
                network=Network.BLUESKY,
                native=NativeRef(id=uri, cid=cid_text(link)),
                kind=Kind.OWN,
                direction=Direction.OUTBOUND,
                author=Actor(
                    native_id=did,
                    display_name=profile.get("displayName") if isinstance(profile.get("displayName"), str) else None,
                    profile_url=f"https://bsky.app/profile/{did}",
                    is_self=True,
                ),
                text=text,
                created_at=parse_time(record.get("createdAt"), f"{key}.createdAt"),
                thread=ThreadRefs(
                    root=strong_ref(reply.get("root")),
                    parent=strong_ref(reply.get("parent")),
                    quoted=quoted(record),
                ),
                language=langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None,
                entities=entities(record),
                attachments=attachments(record),
                source={"transport": "archive", "format": "bluesky-car", "file": Path(where).name, "key": key},
                raw=record,
            )
        except InvalidMessage as exc:
            yield BadRecord(where, number, exc.field, exc.problem)
            continue
        except (AttributeError, TypeError, ValueError, RecursionError) as exc:  # a record of the wrong shape
            yield BadRecord(where, number, key, f"not an {POST} record ({exc})")
            continue
        yield checked(Path(where), number, channel, message)
