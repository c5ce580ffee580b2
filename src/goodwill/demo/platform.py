"""Turn planned messages into NormalisedMessages shaped like each network's: native ids, thread references,
DM conversation ids, entities, metrics and a `raw` object with the platform JSON's key fields.

`Shaper.assign` gives a planned message its native reference the moment it is planned (a reply needs its
parent's id); `Shaper.shape` builds the NormalisedMessage once the whole world is planned (a post's reply
count is known only then).
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Literal

from goodwill.demo import brand
from goodwill.demo.ids import Ids
from goodwill.demo.payloads import MASTODON_HOME, Payloads, slug
from goodwill.demo.people import Account, urlhost
from goodwill.demo.story import Planned
from goodwill.domain.enums import Direction, Network, Visibility
from goodwill.domain.message import Actor, Entity, NativeRef, NormalisedMessage, ReplyCapability, ThreadRefs

SHORTCODE = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-"
LINK = re.compile(r"(?<![@\w.])(?:https://)?larkspur\.coffee(?:/[\w/-]*)?")


class Shaper:
    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self._blog_post = 311
        self.payloads = Payloads(ids)

    # native references -------------------------------------------------------------------------------------
    def assign(self, m: Planned) -> None:
        ids, net, us = self.ids, m.network, brand.BY_NETWORK[m.network]
        acc = m.author or m.to
        if m.dm is not None and acc is not None:
            if acc.dm_thread in (None, "pending"):
                acc.dm_thread = self._dm_thread(acc, m.at)
            m.dm = acc.dm_thread
        handle = acc.handle if m.author is not None and acc is not None else us.handle
        if net is Network.X:
            native = ids.x_post(m.at)
            m.ref = NativeRef(native, uri=None if m.dm else f"https://x.com/{handle}/status/{native}")
        elif net is Network.BLUESKY:
            if m.dm is not None:
                m.ref = NativeRef(ids.tid(m.at))
            else:
                did = m.author.native_id if m.author is not None else us.account_id
                rkey = ids.tid(m.at)
                m.ref = NativeRef(
                    f"at://{did}/app.bsky.feed.post/{rkey}",
                    cid=ids.cid(),
                    uri=f"https://bsky.app/profile/{handle}/post/{rkey}",
                )
        elif net is Network.MASTODON:
            native = ids.mastodon_status(m.at)
            if m.author is None:
                uri = f"https://{MASTODON_HOME}/users/larkspur/statuses/{native}"
            else:
                host = urlhost(m.author.profile_url)
                user = (m.author.handle or "").split("@")[0]
                origin = native if host == MASTODON_HOME else ids.mastodon_status(m.at)  # its id on its own server
                uri = f"https://{host}/users/{user}/statuses/{origin}"
            m.ref = NativeRef(native, host=us.host, uri=uri)
        elif net is Network.INSTAGRAM:
            if m.dm is not None:
                m.ref = NativeRef(ids.ig_mid(us.account_id))
            elif m.is_post:
                native = ids.digits(17, "179")
                m.ref = NativeRef(native, uri=f"https://www.instagram.com/p/{ids.chars(SHORTCODE, 11)}/")
            else:
                m.ref = NativeRef(ids.digits(17, "178"))
        elif net is Network.FACEBOOK:
            if m.dm is not None:
                m.ref = NativeRef(ids.meta_mid())
            elif m.root is None:  # our post, or a visitor's post on the Page
                native = f"{us.account_id}_{ids.digits(16, '1')}"
                m.ref = NativeRef(native, uri=f"https://www.facebook.com/{us.account_id}/posts/{native.split('_')[1]}")
            else:
                m.ref = NativeRef(f"{m.root.ref.id.split('_')[1]}_{ids.digits(16, '1')}")
        else:
            if m.is_post:
                self._blog_post += self.ids.rng.randint(3, 19)
                m.ref = NativeRef(f"post-{self._blog_post}", uri=f"{us.account_id}/{slug(m.title or m.text)}/")
            else:
                number = ids.wp_comment()
                assert m.root is not None
                m.ref = NativeRef(f"comment-{number}", uri=f"{m.root.ref.uri}#comment-{number}")

    def _dm_thread(self, acc: Account, at: datetime) -> str:
        us = brand.BY_NETWORK[acc.network]
        if acc.network is Network.X:
            return "-".join(sorted((us.account_id, acc.native_id), key=int))
        if acc.network is Network.BLUESKY:
            return self.ids.tid(at)
        if acc.network is Network.MASTODON:
            return self.ids.digits(7, str(self.ids.rng.randint(1, 9)))
        if acc.network is Network.INSTAGRAM:
            return self.ids.ig_thread(us.account_id, acc.native_id)
        return "t_" + self.ids.digits(16, "1")

    # actors ------------------------------------------------------------------------------------------------
    def actor(self, acc: Account | None, network: Network) -> Actor:
        if acc is None:
            us = brand.BY_NETWORK[network]
            scope = f"server:{MASTODON_HOME}" if network is Network.MASTODON else ""
            return Actor(
                native_id=us.account_id,
                handle=us.handle,
                display_name=us.name,
                id_scope=scope,
                profile_url=brand.SITE,
                is_self=True,
                verified=network is Network.X,
                raw={"id": us.account_id, "name": us.name, "handle": us.handle},
            )
        return Actor(
            native_id=acc.native_id,
            handle=acc.handle,
            display_name=acc.display_name,
            id_scope=acc.id_scope,
            avatar_url=acc.avatar_url,
            profile_url=acc.profile_url,
            followers=acc.followers,
            verified=False,
            raw=self.payloads.profile(acc),
        )

    def shape(self, m: Planned) -> NormalisedMessage:
        net, us = m.network, brand.BY_NETWORK[m.network]
        private = m.dm is not None
        other = m.to if m.author is None else None
        parent_author = None
        if m.parent is not None:
            parent_author = m.parent.author.native_id if m.parent.author else us.account_id
        thread = ThreadRefs(
            root=None if private or net is Network.MASTODON or m.root is None else m.root.ref,
            parent=None if private or m.parent is None else m.parent.ref,
            parent_author_id=None if private else parent_author,
            conversation_id=m.dm,
            depth_limit=2 if net in (Network.FACEBOOK, Network.INSTAGRAM) else None,
        )
        html_body = net in (Network.MASTODON, Network.BLOG)
        rendered = "".join(f"<p>{html.escape(par)}</p>" for par in m.text.split("\n\n")) if html_body else None
        reply = ReplyCapability()
        if private and m.author is not None and net in (Network.FACEBOOK, Network.INSTAGRAM):
            reply = ReplyCapability(reply_via="dm", window_expires_at=m.at + timedelta(hours=24))
        elif private:
            reply = ReplyCapability(reply_via="dm")
        return NormalisedMessage(
            network=net,
            native=m.ref,
            kind=m.kind,
            direction=Direction.INBOUND if m.author is not None else Direction.OUTBOUND,
            author=self.actor(m.author, net),
            text=m.text,
            created_at=m.at,
            visibility=Visibility.DIRECT if private else Visibility.PUBLIC,
            thread=thread,
            recipients=[self.actor(other if m.author is None else None, net)] if private else [],
            text_raw=rendered,
            text_format="html" if html_body else "plain",
            language="en",
            entities=self.entities(m),
            metrics=self.metrics(m),
            reply=reply,
            indexed_at=m.at + timedelta(seconds=2) if net is Network.BLUESKY and not private else None,
            source={"transport": "demo", "teammate": m.teammate} if m.teammate else {"transport": "demo"},
            raw=self.payloads.raw(m, rendered, self.metrics(m) or {}),
            raw_envelope=self.payloads.envelope(m),
        )

    def entities(self, m: Planned) -> list[Entity]:
        out: list[Entity] = []
        us = brand.BY_NETWORK[m.network]
        unit: Literal["x_v2", "bytes_utf8", "chars"] = (
            "x_v2" if m.network is Network.X else "bytes_utf8" if m.network is Network.BLUESKY else "chars"
        )
        if us.mention and us.mention in m.text and m.author is not None:
            start = m.text.index(us.mention)
            if unit == "bytes_utf8":
                start = len(m.text[:start].encode())
            out.append(Entity("mention", us.handle, start, start + len(us.mention.encode()), unit, us.account_id))
        for found in LINK.finditer(m.text):
            out.append(
                Entity(
                    "link", "https://" + found.group(0).removeprefix("https://"), found.start(), found.end(), "chars"
                )
            )
        return out

    def metrics(self, m: Planned) -> dict[str, int] | None:
        if m.dm is not None:
            return None
        seed = int(m.ref.id[-6:], 36) if m.ref.id[-6:].isalnum() else len(m.text)
        if m.is_post:
            base = {"promotional": 9, "chat": 22, "expertise": 30, "authority": 18, "reputation": 26, "visibility": 34}
            likes = base.get(m.category or "chat", 15) + seed % 40
            return {
                "likes": likes,
                "reposts": likes // 6,
                "replies": m.children,
                "quotes": likes // 25,
                "impressions": likes * (35 + seed % 30),
            }
        return {"likes": seed % 4, "reposts": 0, "replies": m.children}
