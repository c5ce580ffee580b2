"""The X (Twitter) account archive: the zip from Settings > Your account > Download an archive of your data.

Read: data/account.js (the brand's account id and username), data/tweets.js (older archives: tweet.js; big
ones are split into tweets-part1.js, ...) and data/direct-messages.js (direct-messages-group.js for group
DMs). Each .js file is `window.YTD.<name>.partN = [ ...JSON... ]`. Tweets are the brand's own (outbound);
direct messages are inbound or outbound by their senderId.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from goodwill.connectors.archives.common import Archive, ArchiveError, marker_lines
from goodwill.connectors.files.base import BadRecord, ChannelKey, Record, checked, parse_time
from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import Actor, InvalidMessage, NativeRef, NormalisedMessage, ThreadRefs

PREFIX = re.compile(r"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
TWEETS = re.compile(r"(^|/)data/(tweets?|tweets?-part\d+)\.js$")
DMS = re.compile(r"(^|/)data/direct-messages(-group)?(-part\d+)?\.js$")


def ytd(archive: Archive, name: str) -> tuple[list[Any], str]:
    text = archive.text(name)
    match = PREFIX.match(text)
    if match is None:
        raise ArchiveError(archive.where(name), "does not start with `window.YTD.<name>.part<N> =`")
    try:
        items = orjson.loads(text[match.end() :].strip().rstrip(";"))
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(
            archive.where(name), f"not valid JSON after the window.YTD prefix ({exc})", line=getattr(exc, "lineno", 1)
        ) from None
    if not isinstance(items, list):
        raise ArchiveError(archive.where(name), "expected a JSON array after the window.YTD prefix")
    return items, text


def read_x_archive(path: Path) -> Iterator[Record | BadRecord]:
    try:
        archive = Archive(path)
        account_file = archive.find("data/account.js")
        if account_file is None:
            raise ArchiveError(str(path), "no data/account.js: is this the X archive zip?")
        accounts, _ = ytd(archive, account_file)
        account = (accounts[0] if accounts and isinstance(accounts[0], dict) else {}).get("account") or {}
        if not account.get("accountId") or not account.get("username"):
            raise ArchiveError(
                archive.where(account_file), "account.accountId and account.username are required", field="account"
            )
        me = str(account["accountId"])
        channel = ChannelKey(Network.X, me, str(account["username"]))
        for name in archive.matching(TWEETS.search):
            yield from _tweets(archive, name, channel, account)
        for name in archive.matching(DMS.search):
            yield from _dms(archive, name, channel, me)
    except ArchiveError as exc:
        yield exc.bad()


def _tweets(archive: Archive, name: str, channel: ChannelKey, account: dict[str, Any]) -> Iterator[Record | BadRecord]:
    items, text = ytd(archive, name)
    lines = marker_lines(text, '"tweet"')
    where = archive.where(name)
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else 1
        try:
            tweet = item.get("tweet") if isinstance(item, dict) else None
            if not isinstance(tweet, dict):
                raise InvalidMessage(f"[{index}].tweet", 'each item must be {"tweet": {...}}')
            tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
            parent = tweet.get("in_reply_to_status_id_str")
            message = NormalisedMessage(
                network=Network.X,
                native=NativeRef(id=tweet_id, uri=f"https://x.com/{channel.handle}/status/{tweet_id}"),
                kind=Kind.OWN,
                direction=Direction.OUTBOUND,
                author=Actor(
                    native_id=channel.account_id,
                    handle=channel.handle,
                    display_name=account.get("accountDisplayName"),
                    is_self=True,
                ),
                text=str(tweet.get("full_text") if tweet.get("full_text") is not None else tweet.get("text", "")),
                created_at=parse_time(tweet.get("created_at"), "created_at"),
                thread=ThreadRefs(
                    parent=NativeRef(str(parent)) if parent else None,
                    parent_author_id=tweet.get("in_reply_to_user_id_str"),
                ),
                language=tweet.get("lang"),
                source={"transport": "archive", "format": "x-archive", "file": name},
                raw=tweet,
            )
        except InvalidMessage as exc:
            yield BadRecord(where, line, exc.field, exc.problem)
            continue
        yield checked(Path(where), line, channel, message)


def _dms(archive: Archive, name: str, channel: ChannelKey, me: str) -> Iterator[Record | BadRecord]:
    items, text = ytd(archive, name)
    lines = marker_lines(text, '"messageCreate"')
    where = archive.where(name)
    count = 0
    for index, item in enumerate(items):
        conversation = item.get("dmConversation") if isinstance(item, dict) else None
        if not isinstance(conversation, dict) or not conversation.get("conversationId"):
            yield BadRecord(where, 1, f"[{index}].dmConversation.conversationId", "is required")
            continue
        for number, entry in enumerate(conversation.get("messages") or []):
            line = lines[count] if count < len(lines) else 1
            count += 1
            create = entry.get("messageCreate") if isinstance(entry, dict) else None
            if not isinstance(create, dict):
                continue  # joinConversation, participantsLeave, ...: not messages
            field = f"[{index}].messages[{number}].messageCreate"
            try:
                sender = str(create.get("senderId") or "")
                outbound = sender == me
                recipient = create.get("recipientId")
                message = NormalisedMessage(
                    network=Network.X,
                    native=NativeRef(id=f"dm:{create.get('id') or ''}" if create.get("id") else ""),
                    kind=Kind.OWN if outbound else Kind.DIRECT,
                    direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
                    author=Actor(native_id=sender, handle=channel.handle if outbound else None, is_self=outbound),
                    recipients=[Actor(native_id=str(recipient))] if recipient else [],
                    text=str(create.get("text") or ""),
                    created_at=parse_time(create.get("createdAt"), f"{field}.createdAt"),
                    visibility=Visibility.DIRECT,
                    thread=ThreadRefs(conversation_id=str(conversation["conversationId"])),
                    source={"transport": "archive", "format": "x-archive", "file": name},
                    raw=create,
                )
            except InvalidMessage as exc:
                yield BadRecord(where, line, exc.field, exc.problem)
                continue
            result = checked(Path(where), line, channel, message)
            if isinstance(result, BadRecord):
                result = BadRecord(where, line, f"{field}.{result.field}" if result.field else field, result.problem)
            yield result
