"""Archive imports, on files built to each platform's real layout; a broken archive is refused naming the file
inside it, and nothing is imported."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from goodwill.connectors.files.importer import ImportRefused, check_file, import_file
from goodwill.domain.enums import Direction, Kind, Visibility
from goodwill.store import Store
from goodwill.store.tables import Message
from tests.conftest import TESTER


def _classify(texts: object) -> list[object]:
    from goodwill import triage

    return triage.classify(texts)  # type: ignore[arg-type]


def ytd(name: str, items: list[object]) -> str:
    return f"window.YTD.{name}.part0 = " + json.dumps(items, indent=2)


ACCOUNT = [
    {
        "account": {
            "email": "owner@acme.example",
            "createdVia": "web",
            "username": "acme",
            "accountId": "1000",
            "createdAt": "2012-01-01T10:00:00.000Z",
            "accountDisplayName": "Acme",
        }
    }
]


def tweet(
    tweet_id: str, text: str, *, reply_to: str | None = None, when: str = "Wed Mar 01 09:00:00 +0000 2023"
) -> dict:
    data = {
        "tweet": {
            "edit_info": {
                "initial": {
                    "editTweetIds": [tweet_id],
                    "editableUntil": "2023-03-01T10:00:00.000Z",
                    "editsRemaining": "5",
                    "isEditEligible": True,
                }
            },
            "retweeted": False,
            "source": '<a href="https://mobile.twitter.com">Twitter Web App</a>',
            "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            "display_text_range": ["0", str(len(text))],
            "favorite_count": "0",
            "id_str": tweet_id,
            "truncated": False,
            "retweet_count": "0",
            "id": tweet_id,
            "created_at": when,
            "favorited": False,
            "full_text": text,
            "lang": "en",
        }
    }
    if reply_to:
        data["tweet"].update(
            {
                "in_reply_to_status_id_str": reply_to,
                "in_reply_to_status_id": reply_to,
                "in_reply_to_user_id": "2000",
                "in_reply_to_user_id_str": "2000",
                "in_reply_to_screen_name": "carol",
            }
        )
    return data


def dm(message_id: str, sender: str, recipient: str, text: str) -> dict:
    return {
        "messageCreate": {
            "recipientId": recipient,
            "reactions": [],
            "urls": [],
            "text": text,
            "mediaUrls": [],
            "senderId": sender,
            "id": message_id,
            "createdAt": "2023-03-02T09:00:00.000Z",
        }
    }


def x_archive(tmp_path: Path, *, tweets: str | None = None, name: str = "x.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        _put(zf, "Your archive.html", "<html></html>")
        _put(zf, "data/account.js", ytd("account", ACCOUNT))
        _put(
            zf,
            "data/tweets.js",
            tweets
            if tweets is not None
            else ytd(
                "tweets",
                [
                    tweet("1630000000000000001", "Spring roast is out!"),
                    tweet("1630000000000000002", "@carol sorry, sending a new bag", reply_to="1629999999999999999"),
                ],
            ),
        )
        _put(
            zf,
            "data/direct-messages.js",
            ytd(
                "direct_messages",
                [
                    {
                        "dmConversation": {
                            "conversationId": "1000-2000",
                            "messages": [
                                dm("1630000000000000010", "2000", "1000", "my bag never came"),
                                dm("1630000000000000011", "1000", "2000", "so sorry, on its way"),
                            ],
                        }
                    }
                ],
            ),
        )
    return path


def _put(zf: zipfile.ZipFile, name: str, data: str | bytes) -> None:
    """A member with a fixed date, so the same archive is the same bytes (the fuzz test draws offsets)."""
    zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 5, 1, 0, 0, 0)), data)


def _count(store: Store) -> int:
    with store.reader() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


def test_x_archive_imports_tweets_and_direct_messages(store: Store, workspace: str, tmp_path: Path) -> None:
    report = import_file(
        store, workspace=workspace, fmt="x-archive", path=x_archive(tmp_path), acting=TESTER, classify=_classify
    )
    assert (report.records == 4 and report.result.stored == 4 and report.channels == {"acme": 1}) or report.channels
    with store.reader() as session:
        rows = {r.native_id: r for r in session.scalars(select(Message))}
    assert rows["1630000000000000002"].parent_native_id == "1629999999999999999"
    assert rows["1630000000000000001"].direction == Direction.OUTBOUND.value
    inbound = rows["dm:1630000000000000010"]
    assert inbound.kind == Kind.DIRECT.value and inbound.direction == Direction.INBOUND.value
    assert inbound.private_conversation_id == "1000-2000"
    assert rows["dm:1630000000000000011"].conversation_id == inbound.conversation_id
    again = import_file(
        store, workspace=workspace, fmt="x-archive", path=x_archive(tmp_path), acting=TESTER, classify=_classify
    )
    assert again.result.stored == 0 and _count(store) == 4


def test_a_broken_x_archive_names_the_file_inside_and_imports_nothing(
    store: Store, workspace: str, tmp_path: Path
) -> None:
    bad = ytd("tweets", [tweet("1630000000000000001", "fine"), tweet("1630000000000000003", "bad", when="yesterday")])
    with pytest.raises(ImportRefused) as refused:
        import_file(
            store,
            workspace=workspace,
            fmt="x-archive",
            path=x_archive(tmp_path, tweets=bad),
            acting=TESTER,
            classify=_classify,
        )
    message = str(refused.value)
    assert "x.zip!data/tweets.js" in message and "created_at" in message and "nothing was imported" in message
    assert _count(store) == 0


def test_a_truncated_zip_is_refused(store: Store, workspace: str, tmp_path: Path) -> None:
    path = x_archive(tmp_path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ImportRefused, match=r"x\.zip"):
        import_file(store, workspace=workspace, fmt="x-archive", path=path, acting=TESTER, classify=_classify)
    assert _count(store) == 0


ACTOR = "https://social.example/users/acme"


def note(number: int, content: str, *, to: list[str], cc: list[str], reply_to: str | None = None) -> dict:
    status = f"{ACTOR}/statuses/{number}"
    return {
        "id": f"{status}/activity",
        "type": "Create",
        "actor": ACTOR,
        "published": "2024-05-01T10:00:00Z",
        "to": to,
        "cc": cc,
        "object": {
            "id": status,
            "type": "Note",
            "summary": None,
            "inReplyTo": reply_to,
            "published": "2024-05-01T10:00:00Z",
            "url": f"https://social.example/@acme/{number}",
            "attributedTo": ACTOR,
            "to": to,
            "cc": cc,
            "sensitive": False,
            "atomUri": status,
            "inReplyToAtomUri": reply_to,
            "conversation": f"tag:social.example,2024-05-01:objectId={number}:objectType=Conversation",
            "content": content,
            "contentMap": {"en": content},
            "attachment": [],
            "tag": [{"type": "Mention", "href": "https://other.example/users/bob", "name": "@bob@other.example"}],
            "replies": {"id": f"{status}/replies", "type": "Collection"},
        },
    }


def mastodon_archive(tmp_path: Path, items: list[dict] | None = None) -> Path:
    public = "https://www.w3.org/ns/activitystreams#Public"
    items = (
        items
        if items is not None
        else [
            note(
                1,
                '<p>Hello <span class="h-card"><a href="https://other.example/@bob" class="u-url mention">'
                '@<span>bob</span></a></span>, see <a href="https://acme.example/menu">our menu</a></p>',
                to=[public],
                cc=[f"{ACTOR}/followers"],
            ),
            note(2, "<p>just for you</p>", to=["https://other.example/users/bob"], cc=[]),
            {
                "id": f"{ACTOR}/statuses/3/activity",
                "type": "Announce",
                "actor": ACTOR,
                "published": "2024-05-01T11:00:00Z",
                "to": [public],
                "cc": [],
                "object": "https://other.example/notes/9",
            },
        ]
    )
    path = tmp_path / "archive-20240501.zip"
    with zipfile.ZipFile(path, "w") as zf:
        _put(zf, "actor.json", json.dumps({"id": ACTOR, "type": "Person", "preferredUsername": "acme"}))
        _put(
            zf,
            "outbox.json",
            json.dumps(
                {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": "outbox.json",
                    "type": "OrderedCollection",
                    "totalItems": len(items),
                    "orderedItems": items,
                },
                indent=2,
            ),
        )
        _put(zf, "likes.json", json.dumps({"type": "OrderedCollection", "orderedItems": []}))
    return path


def test_mastodon_archive_keeps_links_mentions_and_visibility(store: Store, workspace: str, tmp_path: Path) -> None:
    report = import_file(
        store,
        workspace=workspace,
        fmt="mastodon-archive",
        path=mastodon_archive(tmp_path),
        acting=TESTER,
        classify=_classify,
    )
    assert report.result.stored == 2  # the boost is not a message
    with store.reader() as session:
        rows = {r.native_id: r for r in session.scalars(select(Message))}
    first = rows[f"{ACTOR}/statuses/1"]
    assert first.text == "Hello @bob@other.example, see our menu (https://acme.example/menu)"
    assert first.visibility == Visibility.PUBLIC.value
    assert rows[f"{ACTOR}/statuses/2"].visibility == Visibility.DIRECT.value


def test_a_broken_mastodon_outbox_is_refused_naming_it(store: Store, workspace: str, tmp_path: Path) -> None:
    broken = note(4, "<p>x</p>", to=[], cc=[])
    broken["object"]["published"] = "2024-05-01 10:00"  # no zone
    with pytest.raises(ImportRefused, match=r"archive-20240501.zip!outbox.json.*published"):
        import_file(
            store,
            workspace=workspace,
            fmt="mastodon-archive",
            path=mastodon_archive(tmp_path, [note(1, "<p>ok</p>", to=[], cc=[]), broken]),
            acting=TESTER,
            classify=_classify,
        )
    assert _count(store) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_archives_never_crash_and_bad_ones_name_a_file(tmp_path: Path, data: st.DataObject) -> None:
    """Random damage to a valid archive: the reader either reads records or reports bad ones naming where;
    it never raises."""
    fmt = data.draw(st.sampled_from(["x-archive", "mastodon-archive"]))
    import tempfile

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = x_archive(folder) if fmt == "x-archive" else mastodon_archive(folder)
    raw = bytearray(path.read_bytes())
    damage = data.draw(st.sampled_from(["flip", "truncate", "member"]))
    if damage == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        path.write_bytes(bytes(raw))
    elif damage == "truncate":
        path.write_bytes(bytes(raw[: data.draw(st.integers(0, len(raw) - 1))]))
    else:
        member = "data/tweets.js" if fmt == "x-archive" else "outbox.json"
        with zipfile.ZipFile(path) as zf:
            contents = {n: zf.read(n) for n in zf.namelist()}
        text = contents[member]
        cut = data.draw(st.integers(0, len(text)))
        contents[member] = text[:cut] + data.draw(st.binary(max_size=20)) + text[cut + 1 :]
        with zipfile.ZipFile(path, "w") as zf:
            for name, body in contents.items():
                _put(zf, name, body)
    good, bad, bad_count, _ = check_file(fmt, path)
    for item in bad:
        assert str(path) in item.path
    assert good + bad_count >= 0
