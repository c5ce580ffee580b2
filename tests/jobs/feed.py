"""A test connector for the sync crash tests: pages through a goodwill JSON Lines file, like a platform's
timeline with an offset cursor. Registered as the connector of the `other` network (tests only). Every fetch
is logged (process id, offset) beside the file, so a test can see which workers fetched what."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from goodwill.connectors import registry
from goodwill.connectors.base import Capability, ChannelContext, Fetched
from goodwill.connectors.files.generic import message_from_fields
from goodwill.domain.enums import Network

NAME = Network.OTHER.value


class FeedConnector:
    network = Network.OTHER
    capabilities = frozenset({Capability.BACKFILL})

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        path = Path(channel.config["feed_path"])
        page = int(channel.config.get("feed_page", 20))
        offset = int(cursor.get("offset", 0))
        lines = path.read_bytes().splitlines()
        taken = lines[offset : offset + page]
        with path.with_suffix(".log").open("a") as log:
            log.write(f"{os.getpid()} {offset}\n")
        messages = [message_from_fields(fields, fields)[1] for fields in map(orjson.loads, taken)]
        end = offset + len(taken)
        return Fetched(messages=messages, cursor={"offset": end}, more=end < len(lines))


def register() -> None:
    registry.register(NAME, FeedConnector)
