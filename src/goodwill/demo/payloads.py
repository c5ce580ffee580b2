"""The platform JSON of the demo world: each message's `raw` object and each author's profile, with the key
fields of the real payloads (X API v2 posts and users, Bluesky post views and chat messages, Mastodon
statuses and accounts, Graph API comments, posts and Messenger/Instagram messaging events, WordPress REST
comments and posts). Profiles are where a later identity merge finds its evidence: websites, links, names.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from goodwill.demo import brand
from goodwill.demo.ids import Ids
from goodwill.demo.people import Account, urlhost
from goodwill.demo.story import Planned
from goodwill.domain.enums import Network

MASTODON_HOME = "mastodon.social"
TCO = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def iso_z(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def meta_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


class Payloads:
    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self._tco: dict[str, str] = {}  # X shortens each website once

    # profiles ----------------------------------------------------------------------------------------------
    def profile(self, acc: Account) -> dict[str, Any]:
        """The author as the platform's API describes them (where a later merge finds its evidence)."""
        created = iso_z(acc.created_at or datetime(2020, 1, 1, tzinfo=UTC))
        return {
            Network.X: self._x_user,
            Network.MASTODON: _mastodon_account,
            Network.BLUESKY: _bluesky_profile,
            Network.INSTAGRAM: _instagram_user,
            Network.FACEBOOK: _facebook_user,
            Network.BLOG: _blog_author,
        }[acc.network](acc, created)

    def _x_user(self, acc: Account, created: str) -> dict[str, Any]:
        followers = acc.followers
        user: dict[str, Any] = {
            "id": acc.native_id,
            "username": acc.handle,
            "name": acc.display_name,
            "description": acc.bio,
            "location": acc.human.city,
            "profile_image_url": acc.avatar_url,
            "created_at": created,
            "verified": False,
            "public_metrics": {
                "followers_count": followers,
                "following_count": 150 + len(acc.bio),
                "tweet_count": 40 * (1 + followers % 97),
                "listed_count": followers // 200,
            },
        }
        if acc.website:
            if acc.website not in self._tco:
                self._tco[acc.website] = "https://t.co/" + self.ids.chars(TCO, 10)
            url = {
                "start": 0,
                "end": 23,
                "url": self._tco[acc.website],
                "expanded_url": acc.website,
                "display_url": urlhost(acc.website),
            }
            user["url"] = url["url"]
            user["entities"] = {"url": {"urls": [url]}}
        return user

    # messages ----------------------------------------------------------------------------------------------
    def raw(self, m: Planned, rendered: str | None, met: dict[str, int]) -> dict[str, Any]:
        """The platform object for `m`, with the key fields of the real API's JSON."""
        us = brand.BY_NETWORK[m.network]
        author_id = m.author.native_id if m.author is not None else us.account_id
        if m.dm is not None and m.network in (Network.FACEBOOK, Network.INSTAGRAM):
            return {
                "sender": {"id": author_id},
                "recipient": {"id": m.to.native_id if m.to else us.account_id},
                "timestamp": int(m.at.timestamp() * 1000),
                "message": {"mid": m.ref.id, "text": m.text},
            }
        if m.network is Network.X:
            return _x_post(m, author_id, met)
        if m.network is Network.BLUESKY:
            return self._bluesky_post(m, author_id, met)
        if m.network is Network.MASTODON:
            return self._mastodon_status(m, rendered, met)
        if m.network is Network.INSTAGRAM:
            return _instagram_object(m, author_id, met)
        if m.network is Network.FACEBOOK:
            return _facebook_object(m, author_id, met)
        return self._wordpress_object(m, rendered)

    def _bluesky_post(self, m: Planned, author_id: str, met: dict[str, int]) -> dict[str, Any]:
        if m.dm is not None:
            return {
                "$type": "chat.bsky.convo.defs#messageView",
                "id": m.ref.id,
                "rev": m.ref.id,
                "text": m.text,
                "sender": {"did": author_id},
                "sentAt": iso_z(m.at),
            }
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": m.text,
            "createdAt": iso_z(m.at),
            "langs": ["en"],
        }
        if m.parent is not None and m.root is not None:
            record["reply"] = {
                "root": {"uri": m.root.ref.id, "cid": m.root.ref.cid},
                "parent": {"uri": m.parent.ref.id, "cid": m.parent.ref.cid},
            }
        us = brand.BY_NETWORK[Network.BLUESKY]
        author = (
            self.profile(m.author) if m.author else {"did": us.account_id, "handle": us.handle, "displayName": us.name}
        )
        return {
            "uri": m.ref.id,
            "cid": m.ref.cid,
            "author": author,
            "record": record,
            "replyCount": met.get("replies", 0),
            "repostCount": met.get("reposts", 0),
            "likeCount": met.get("likes", 0),
            "quoteCount": met.get("quotes", 0),
            "indexedAt": iso_z(m.at + timedelta(seconds=2)),
            "labels": [],
        }

    def _mastodon_status(self, m: Planned, rendered: str | None, met: dict[str, int]) -> dict[str, Any]:
        us = brand.BY_NETWORK[Network.MASTODON]
        ours = {
            "id": us.account_id,
            "username": "larkspur",
            "acct": "larkspur",
            "display_name": us.name,
            "url": f"https://{MASTODON_HOME}/@larkspur",
        }
        replied = None
        if m.parent is not None:
            replied = m.parent.author.native_id if m.parent.author else us.account_id
        return {
            "id": m.ref.id,
            "created_at": iso_z(m.at),
            "in_reply_to_id": m.parent.ref.id if m.parent else None,
            "in_reply_to_account_id": replied,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "direct" if m.dm else "public",
            "language": "en",
            "uri": m.ref.uri,
            "url": m.ref.uri,
            "replies_count": met.get("replies", 0),
            "reblogs_count": met.get("reposts", 0),
            "favourites_count": met.get("likes", 0),
            "content": rendered,
            "account": self.profile(m.author) if m.author else ours,
            "mentions": [],
            "tags": [],
            "media_attachments": [],
        }

    def _wordpress_object(self, m: Planned, rendered: str | None) -> dict[str, Any]:
        number, date = int(m.ref.id.split("-")[1]), m.at.strftime("%Y-%m-%dT%H:%M:%S")
        if m.is_post:
            return {
                "id": number,
                "date_gmt": date,
                "slug": slug(m.title or ""),
                "status": "publish",
                "type": "post",
                "link": m.ref.uri,
                "title": {"rendered": m.title},
                "content": {"rendered": rendered},
                "author": 1,
                "comment_status": "open",
            }
        parent = m.parent.ref.id if m.parent is not None else ""
        us = brand.BY_NETWORK[Network.BLOG]
        who = self.profile(m.author) if m.author else {"author_name": us.name, "author_url": brand.SITE}
        return {
            "id": number,
            "post": int((m.root.ref.id if m.root else "post-0").split("-")[1]),
            "parent": int(parent.split("-")[1]) if parent.startswith("comment-") else 0,
            "author": 0 if m.author else 1,
            "author_name": who["author_name"],
            "author_url": who["author_url"],
            "date_gmt": date,
            "content": {"rendered": rendered},
            "link": m.ref.uri,
            "status": "approved",
            "type": "comment",
            "author_avatar_urls": who.get("author_avatar_urls", {}),
        }

    def envelope(self, m: Planned) -> dict[str, Any] | None:
        """What came around the object: X sends authors in `includes.users` of the page a post came in; a
        Bluesky chat message is read from its conversation, whose `members` are profile views."""
        if m.network is Network.BLUESKY and m.dm is not None:
            us = brand.BY_NETWORK[Network.BLUESKY]
            other = m.author or m.to
            ours: dict[str, Any] = {"did": us.account_id, "handle": us.handle, "displayName": us.name}
            members = [ours, self.profile(other)] if other else [ours]
            return {"convo": {"id": m.dm, "rev": m.ref.id, "members": members, "muted": False}}
        if m.network is not Network.X:
            return None
        us = brand.BY_NETWORK[Network.X]
        x_ours = {"id": us.account_id, "username": us.handle, "name": us.name, "url": brand.SITE, "verified": True}
        return {"includes": {"users": [self.profile(m.author) if m.author else x_ours]}, "meta": {"result_count": 1}}


def _mastodon_account(acc: Account, created: str) -> dict[str, Any]:
    fields = []
    if acc.website:  # a link verified with rel="me" on the linked page is as good as proof
        link = f'<a href="{acc.website}" rel="nofollow noopener me" target="_blank">{urlhost(acc.website)}</a>'
        fields.append({"name": "Website", "value": link, "verified_at": created if acc.followers % 2 == 0 else None})
    return {
        "id": acc.native_id,
        "username": (acc.handle or "").split("@")[0],
        "acct": acc.handle,
        "display_name": acc.display_name,
        "url": acc.profile_url,
        "avatar": acc.avatar_url,
        "avatar_static": acc.avatar_url,
        "note": f"<p>{html.escape(acc.bio)}</p>",
        "followers_count": acc.followers,
        "following_count": 180,
        "statuses_count": 300 + acc.followers % 900,
        "bot": False,
        "locked": False,
        "fields": fields,
        "created_at": created,
    }


def _bluesky_profile(acc: Account, created: str) -> dict[str, Any]:
    about = acc.bio + (f" {urlhost(acc.website)}" if acc.website else "")
    return {
        "did": acc.native_id,
        "handle": acc.handle,
        "displayName": acc.display_name,
        "avatar": acc.avatar_url,
        "description": about,
        "followersCount": acc.followers,
        "createdAt": created,
        "labels": [],
    }


def _instagram_user(acc: Account, _created: str) -> dict[str, Any]:
    return {
        "id": acc.native_id,
        "username": acc.handle,
        "name": acc.display_name,
        "profile_pic": acc.avatar_url,
        "follower_count": acc.followers,
        "is_user_follow_business": True,
        "is_verified_user": False,
    }


def _facebook_user(acc: Account, _created: str) -> dict[str, Any]:
    return {
        "id": acc.native_id,
        "name": acc.display_name,
        "first_name": acc.human.first,
        "last_name": acc.human.last,
        "profile_pic": acc.avatar_url,
    }


def _blog_author(acc: Account, _created: str) -> dict[str, Any]:
    return {
        "author_name": acc.display_name,
        "author_url": acc.website or "",
        "author_email_hash": acc.native_id,
        "author_avatar_urls": {"48": acc.avatar_url},
    }


def _x_post(m: Planned, author_id: str, met: dict[str, int]) -> dict[str, Any]:
    if m.dm is not None:
        return {
            "id": m.ref.id,
            "event_type": "MessageCreate",
            "text": m.text,
            "sender_id": author_id,
            "dm_conversation_id": m.dm,
            "created_at": iso_z(m.at),
        }
    tweet: dict[str, Any] = {
        "id": m.ref.id,
        "text": m.text,
        "author_id": author_id,
        "created_at": iso_z(m.at),
        "conversation_id": (m.root or m).ref.id,
        "lang": "en",
        "edit_history_tweet_ids": [m.ref.id],
        "public_metrics": {
            "retweet_count": met.get("reposts", 0),
            "reply_count": met.get("replies", 0),
            "like_count": met.get("likes", 0),
            "quote_count": met.get("quotes", 0),
            "impression_count": met.get("impressions", 0),
        },
    }
    if m.parent is not None:
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": m.parent.ref.id}]
        tweet["in_reply_to_user_id"] = (
            m.parent.author.native_id if m.parent.author else brand.BY_NETWORK[Network.X].account_id
        )
    return tweet


def _instagram_object(m: Planned, author_id: str, met: dict[str, int]) -> dict[str, Any]:
    us = brand.BY_NETWORK[Network.INSTAGRAM]
    if m.is_post:
        return {
            "id": m.ref.id,
            "caption": m.text,
            "media_type": "IMAGE",
            "permalink": m.ref.uri,
            "timestamp": meta_time(m.at),
            "username": us.handle,
            "like_count": met.get("likes", 0),
            "comments_count": met.get("replies", 0),
        }
    body = {
        "id": m.ref.id,
        "text": m.text,
        "timestamp": meta_time(m.at),
        "like_count": met.get("likes", 0),
        "from": {"id": author_id, "username": m.author.handle if m.author else us.handle},
        "media": {"id": (m.root or m).ref.id},
        "hidden": False,
    }
    if m.parent is not None and not m.parent.is_post:
        body["parent_id"] = m.parent.ref.id
    return body


def _facebook_object(m: Planned, author_id: str, met: dict[str, int]) -> dict[str, Any]:
    who = {"id": author_id, "name": m.author.display_name if m.author else brand.BY_NETWORK[Network.FACEBOOK].name}
    if m.root is None:  # a post on the Page: ours, or a visitor's
        return {
            "id": m.ref.id,
            "message": m.text,
            "created_time": meta_time(m.at),
            "from": who,
            "permalink_url": m.ref.uri,
            "shares": {"count": met.get("reposts", 0)},
            "reactions": {"summary": {"total_count": met.get("likes", 0)}},
        }
    return {
        "id": m.ref.id,
        "message": m.text,
        "created_time": meta_time(m.at),
        "from": who,
        "parent": {"id": m.parent.ref.id if m.parent else m.root.ref.id},
        "like_count": met.get("likes", 0),
        "comment_count": m.children,
        "can_reply_privately": m.author is not None,
        "is_hidden": False,
    }
