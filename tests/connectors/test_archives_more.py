"""Bluesky, LinkedIn, Facebook and Instagram archive imports, on files built to each platform's real layout
(the layouts and where they come from are in each reader's docstring and in docs/formats.md); a broken archive
is refused naming the file inside it, and nothing is imported."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import libipld
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


def _count(store: Store) -> int:
    with store.reader() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


def _rows(store: Store) -> dict[str, Message]:
    with store.reader() as session:
        return {r.native_id: r for r in session.scalars(select(Message))}


def _import(store: Store, workspace: str, fmt: str, path: Path) -> Any:
    return import_file(store, workspace=workspace, fmt=fmt, path=path, acting=TESTER, classify=_classify)


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 5, 1, 0, 0, 0)), data)
    return path


# --- Bluesky: a repository CAR, built the way a PDS writes it (atproto repository spec: signed commit, MST) ---

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
OTHER = "did:plc:44ybard66vv44zksje25o7dz"


def cid_of(block: bytes) -> bytes:
    """CIDv1, dag-cbor (0x71), sha2-256: how atproto addresses every repository block."""
    return b"\x01\x71\x12\x20" + hashlib.sha256(block).digest()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _layer(key: str) -> int:
    """MST depth of a key: leading zero bits of its SHA-256, counted two at a time (atproto spec)."""
    digest, zeros = hashlib.sha256(key.encode()).digest(), 0
    for byte in digest:
        if byte == 0:
            zeros += 8
            continue
        zeros += 8 - byte.bit_length()
        break
    return zeros // 2


def _mst(items: list[tuple[str, bytes]], layer: int, blocks: dict[bytes, bytes]) -> bytes | None:
    if not items:
        return None
    here = [i for i, (key, _) in enumerate(items) if _layer(key) >= layer]
    if not here:
        return _mst(items, layer - 1, blocks) if layer > 0 else None
    left = _mst(items[: here[0]], layer - 1, blocks)
    entries, previous = [], b""
    for n, i in enumerate(here):
        key = items[i][0].encode()
        prefix = 0
        while prefix < min(len(key), len(previous)) and key[prefix] == previous[prefix]:
            prefix += 1
        right_end = here[n + 1] if n + 1 < len(here) else len(items)
        entries.append(
            {"p": prefix, "k": key[prefix:], "v": items[i][1], "t": _mst(items[i + 1 : right_end], layer - 1, blocks)}
        )
        previous = key
    node = libipld.encode_dag_cbor({"l": left, "e": entries})
    blocks[cid_of(node)] = node
    return cid_of(node)


def bluesky_car(tmp_path: Path, records: dict[str, dict[str, Any]] | None = None, *, name: str = "repo.car") -> Path:
    records = records if records is not None else default_records()
    blocks: dict[bytes, bytes] = {}
    items = []
    for key, record in sorted(records.items()):
        block = libipld.encode_dag_cbor(record)
        blocks[cid_of(block)] = block
        items.append((key, cid_of(block)))
    root = _mst(items, max(_layer(k) for k, _ in items), blocks)
    commit = libipld.encode_dag_cbor(
        {"did": DID, "version": 3, "data": root, "rev": "3l3qo2vutsw2b", "prev": None, "sig": bytes(64)}
    )
    blocks[cid_of(commit)] = commit
    header = libipld.encode_dag_cbor({"version": 1, "roots": [cid_of(commit)]})
    out = bytearray(_varint(len(header)) + header)
    for cid in [cid_of(commit), *[c for c in blocks if c != cid_of(commit)]]:
        out += _varint(len(cid) + len(blocks[cid])) + cid + blocks[cid]
    path = tmp_path / name
    path.write_bytes(bytes(out))
    return path


ROOT_RKEY, REPLY_RKEY = "3l3qo2vuowo2b", "3l3qo7ajvsk2x"
ROOT_CID = libipld.encode_cid(cid_of(b"root"))


def default_records() -> dict[str, dict[str, Any]]:
    image = cid_of(b"image bytes").replace(b"\x01\x71", b"\x01\x55", 1)  # blobs are raw-codec CIDs
    root_uri = f"at://{DID}/app.bsky.feed.post/{ROOT_RKEY}"
    theirs = f"at://{OTHER}/app.bsky.feed.post/3l3qnzzzzzz2c"
    return {
        "app.bsky.actor.profile/self": {"$type": "app.bsky.actor.profile", "displayName": "Acme Coffee"},
        f"app.bsky.feed.post/{ROOT_RKEY}": {
            "$type": "app.bsky.feed.post",
            "text": "Spring roast is out! ☕ https://acme.example",
            "createdAt": "2024-05-01T09:00:00.000Z",
            "langs": ["en"],
            "facets": [
                {
                    "index": {"byteStart": 25, "byteEnd": 43},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://acme.example"}],
                }
            ],
            "embed": {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "alt": "a bag of coffee",
                        "image": {"$type": "blob", "ref": image, "mimeType": "image/jpeg", "size": 1234},
                    }
                ],
            },
        },
        f"app.bsky.feed.post/{REPLY_RKEY}": {
            "$type": "app.bsky.feed.post",
            "text": "so sorry, a new bag is on its way",
            "createdAt": "2024-05-01T10:00:00.000Z",
            "reply": {"root": {"uri": root_uri, "cid": ROOT_CID}, "parent": {"uri": theirs, "cid": ROOT_CID}},
        },
        "app.bsky.feed.like/3l3qo8aaaaa2b": {
            "$type": "app.bsky.feed.like",
            "subject": {"uri": theirs, "cid": ROOT_CID},
            "createdAt": "2024-05-01T10:01:00.000Z",
        },
        "app.bsky.graph.follow/3l3qo9bbbbb2b": {
            "$type": "app.bsky.graph.follow",
            "subject": OTHER,
            "createdAt": "2024-05-01T10:02:00.000Z",
        },
    }


def test_bluesky_car_imports_own_posts_with_strong_refs(store: Store, workspace: str, tmp_path: Path) -> None:
    path = bluesky_car(tmp_path)
    report = _import(store, workspace, "bluesky-car", path)
    assert report.records == 2 and report.result.stored == 2  # the like, follow and profile are not messages
    assert report.channels == {DID: report.channels[DID]}
    rows = _rows(store)
    reply = rows[f"at://{DID}/app.bsky.feed.post/{REPLY_RKEY}"]
    assert reply.direction == Direction.OUTBOUND.value and reply.kind == Kind.OWN.value
    assert reply.root_native_id == f"at://{DID}/app.bsky.feed.post/{ROOT_RKEY}"
    assert reply.parent_native_id.startswith(f"at://{OTHER}/")
    assert reply.detail["thread"]["root"]["cid"] == ROOT_CID and reply.detail["native"]["cid"].startswith("bafyrei")
    post = rows[f"at://{DID}/app.bsky.feed.post/{ROOT_RKEY}"]
    assert post.text.startswith("Spring roast") and post.language == "en"
    assert post.detail["author"]["display_name"] == "Acme Coffee"
    assert post.detail["attachments"][0]["alt_text"] == "a bag of coffee"
    assert post.detail["entities"][0]["value"] == "https://acme.example"
    assert post.raw["embed"]["images"][0]["image"]["ref"]["$link"].startswith("bafkrei")
    again = _import(store, workspace, "bluesky-car", path)
    assert again.result.stored == 0 and _count(store) == 2


def test_bluesky_mst_walk_finds_every_record_in_a_deep_tree(tmp_path: Path) -> None:
    records = {
        f"app.bsky.feed.post/3l{n:011d}": {"text": f"post {n}", "createdAt": "2024-05-01T09:00:00Z"} for n in range(300)
    }
    good, _bad, bad_count, _ = check_file("bluesky-car", bluesky_car(tmp_path, records))
    assert (good, bad_count) == (300, 0)


def test_a_broken_bluesky_car_is_refused_naming_the_record(store: Store, workspace: str, tmp_path: Path) -> None:
    records = default_records()
    records[f"app.bsky.feed.post/{REPLY_RKEY}"]["createdAt"] = "yesterday"
    with pytest.raises(ImportRefused) as refused:
        _import(store, workspace, "bluesky-car", bluesky_car(tmp_path, records))
    assert f"repo.car, line 2, field 'app.bsky.feed.post/{REPLY_RKEY}.createdAt'" in str(refused.value)
    assert _count(store) == 0
    truncated = bluesky_car(tmp_path, name="cut.car")
    truncated.write_bytes(truncated.read_bytes()[:-30])
    with pytest.raises(ImportRefused, match=r"cut\.car.*(CAR|block)"):
        _import(store, workspace, "bluesky-car", truncated)
    assert _count(store) == 0


@pytest.mark.slow
def test_a_real_repository_export_from_the_local_network_imports(
    devnet: dict[str, Any], bsky_people: dict[str, dict[str, Any]], store: Store, workspace: str, tmp_path: Path
) -> None:
    """The CAR a real PDS returns for com.atproto.sync.getRepo (../shared/tools/bsky-devnet), not one built here."""
    from atproto import Client, models

    brand, carol = bsky_people["brand"], bsky_people["carol"]
    them = Client(base_url=devnet["pds"])
    them.login(carol["handle"], carol["password"])
    question = them.send_post("do you ship to Porto?")
    client = Client(base_url=devnet["pds"])
    client.login(brand["handle"], brand["password"])
    post = client.send_post("Spring roast is out!")
    ref = models.create_strong_ref(question)
    reply = client.send_post("we do, in two days", reply_to=models.AppBskyFeedPost.ReplyRef(root=ref, parent=ref))
    client.like(question.uri, question.cid)
    path = tmp_path / "repo.car"
    path.write_bytes(client.com.atproto.sync.get_repo({"did": brand["did"]}))
    report = _import(store, workspace, "bluesky-car", path)
    assert report.records == 2 and report.channels == {brand["did"]: report.channels[brand["did"]]}
    rows = _rows(store)
    assert rows[post.uri].text == "Spring roast is out!" and rows[post.uri].detail["native"]["cid"] == post.cid
    assert rows[reply.uri].parent_native_id == question.uri == rows[reply.uri].root_native_id
    assert rows[reply.uri].detail["thread"]["parent"]["cid"] == question.cid
    assert _import(store, workspace, "bluesky-car", path).result.stored == 0 and _count(store) == 2


# --- LinkedIn: the data export zip, CSVs with LinkedIn's own headers, preamble and quoting ---

ME = "https://www.linkedin.com/in/acme-coffee"
INES = "https://www.linkedin.com/in/ines-carvalho"
CONNECTIONS = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. You will '
    "only see email addresses for connections who have allowed their connections to see or download their email "
    "address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more here "
    'https://www.linkedin.com/help/linkedin/answer/261"\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    f"Inês,Carvalho,{INES},,Northwind,Office Manager,05 Mar 2024\n"
    'Marco,Tavares,https://www.linkedin.com/in/marcoet,marco@x.example,Atlas Labs,"CTO, Platform",28 Mar 2024\n'
)
MESSAGES_HEADER = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,"
    "FOLDER,IS MESSAGE DRAFT\n"
)
CONVERSATION = "2-NTg3YjNmNzctMjQ4YS00ZjY3LWE0MWQtOGE0NWYyMzNhYTk3XzAxMA=="


def linkedin_export(tmp_path: Path, *, messages: str | None = None, name: str = "linkedin.zip") -> Path:
    messages = (
        messages
        if messages is not None
        else MESSAGES_HEADER + f"{CONVERSATION},,Inês Carvalho,{INES},Acme Coffee,{ME},2024-03-05 14:22:11 UTC,,"
        '"Hi, our office order arrived damaged.\nCan you help?",INBOX,No\n'
        f"{CONVERSATION},,Acme Coffee,{ME},Inês Carvalho,{INES},2024-03-05 15:01:00 UTC,,"
        '"So sorry, Inês! A new box ships today.",INBOX,No\n'
        f"{CONVERSATION},,Acme Coffee,{ME},Inês Carvalho,{INES},2024-03-06 09:00:00 UTC,,unsent draft,INBOX,Yes\n"
    )
    return _zip(
        tmp_path / name,
        {
            "Profile.csv": "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,"
            "Geo Location,Twitter Handles,Websites,Instant Messengers\r\nAcme,Coffee,,,,Roasters,,Food,,Lisbon,,,\r\n",
            "Connections.csv": CONNECTIONS,
            "messages.csv": messages,
            "Shares.csv": "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"
            "2024-04-01 07:30:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7181234567890123456,"
            '"Spring roast is out. Tell us what you think!",,,MEMBER_NETWORK\n',
            "Comments.csv": "Date,Link,Message\n"
            "2024-04-02 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7181234567890123999,"
            '"Thanks! We called it \\"the spring one\\",\nand it stuck."\n',
            "Reactions.csv": "Date,Type,Link\n2024-04-02 09:00:00,LIKE,https://www.linkedin.com/feed/update/x\n",
        },
    )


def test_linkedin_export_imports_messages_posts_and_comments(store: Store, workspace: str, tmp_path: Path) -> None:
    path = linkedin_export(tmp_path)
    report = _import(store, workspace, "linkedin-export", path)
    assert report.records == 4 and report.result.stored == 4  # the draft is left out
    assert report.channels == {"acme-coffee": report.channels["acme-coffee"]}
    rows = _rows(store).values()
    inbound = next(r for r in rows if r.direction == Direction.INBOUND.value)
    assert inbound.kind == Kind.DIRECT.value and inbound.private_conversation_id == CONVERSATION
    assert inbound.text == "Hi, our office order arrived damaged.\nCan you help?"
    assert inbound.detail["author"]["raw"]["COMPANY"] == "Northwind"  # Connections.csv describes the sender
    answer = next(r for r in rows if r.text.startswith("So sorry"))
    assert answer.direction == Direction.OUTBOUND.value and answer.conversation_id == inbound.conversation_id
    share = _rows(store)["urn:li:share:7181234567890123456"]
    assert share.kind == Kind.OWN.value and share.visibility == Visibility.PUBLIC.value
    comment = next(r for r in rows if r.native_id.startswith("comment:"))
    assert comment.text == 'Thanks! We called it "the spring one",\nand it stuck.'
    assert comment.root_native_id == "urn:li:activity:7181234567890123999"
    again = _import(store, workspace, "linkedin-export", path)
    assert again.result.stored == 0 and _count(store) == 4


def test_an_unpacked_linkedin_folder_reads_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "Basic_LinkedInDataExport_05-01-2024"
    with zipfile.ZipFile(linkedin_export(tmp_path)) as zf:
        zf.extractall(folder)
    assert check_file("linkedin-export", folder)[:3:2] == (4, 0)


def test_a_broken_linkedin_export_names_the_csv_line_and_column(store: Store, workspace: str, tmp_path: Path) -> None:
    messages = (
        MESSAGES_HEADER
        + f"{CONVERSATION},,Inês Carvalho,{INES},Acme Coffee,{ME},2024-03-05 14:22:11 UTC,,fine,INBOX,No\n"
        + f'{CONVERSATION},,Inês Carvalho,{INES},Acme Coffee,{ME},last Tuesday,,"two\nlines",INBOX,No\n'
    )
    with pytest.raises(ImportRefused) as refused:
        _import(store, workspace, "linkedin-export", linkedin_export(tmp_path, messages=messages))
    assert "linkedin.zip!messages.csv, line 3, field 'DATE'" in str(refused.value)
    assert _count(store) == 0
    broken = MESSAGES_HEADER + f'{CONVERSATION},,A,{INES},B,{ME},2024-03-05 14:22:11 UTC,,"never closed\n'
    with pytest.raises(ImportRefused, match=r"linkedin2\.zip!messages\.csv, line \d+: not readable CSV"):
        _import(store, workspace, "linkedin-export", linkedin_export(tmp_path, messages=broken, name="linkedin2.zip"))
    assert _count(store) == 0


# --- Facebook and Instagram: "Download your information", JSON, with Meta's latin-1 mojibake ---


def moji(text: str) -> str:
    """How Meta writes text: each UTF-8 byte as one \\u00XX character."""
    return text.encode("utf-8").decode("latin-1")


def meta_json(data: object) -> str:
    return json.dumps(data, indent=2)  # ensure_ascii, as Meta's files: "Caf\u00c3\u00a9"


def thread(title: str, me: str, them: str, messages: list[dict[str, Any]], path: str) -> str:
    return meta_json(
        {
            "participants": [{"name": moji(them)}, {"name": moji(me)}],
            "messages": messages,
            "title": moji(title),
            "is_still_participant": True,
            "thread_path": path,
            "magic_words": [],
        }
    )


def dm(sender: str, ms: int, content: str | None = None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"sender_name": moji(sender), "timestamp_ms": ms, "is_geoblocked_for_viewer": False}
    if content is not None:
        item["content"] = moji(content)
    return {**item, **extra}


def facebook_archive(tmp_path: Path, *, messages: list[dict[str, Any]] | None = None) -> Path:
    base = "your_facebook_activity"
    messages = (
        messages
        if messages is not None
        else [
            dm("Acme Café", 1714557660000, "Désolé ! Un nouveau sac part aujourd'hui 🙏"),
            dm("Zoë Martin", 1714557600000, "Mon café est arrivé cassé 😞"),
            dm("Zoë Martin", 1714557700000, photos=[{"uri": "messages/inbox/zoemartin_123/photos/1.jpg"}]),
        ]
    )
    return _zip(
        tmp_path / "facebook-acmecafe-2024-05-01.zip",
        {
            "personal_information/profile_information/profile_information.json": meta_json(
                {"profile_v2": {"name": {"full_name": moji("Acme Café"), "first_name": "Acme", "last_name": ""}}}
            ),
            f"{base}/posts/your_posts__check_ins__photos_and_videos_1.json": meta_json(
                [
                    {
                        "timestamp": 1714550400,
                        "data": [{"post": moji("Le café de printemps est là ☕")}, {"update_timestamp": 1714550400}],
                        "title": moji("Acme Café updated their status."),
                    },
                    {"timestamp": 1714550500, "data": [], "title": moji("Acme Café saved a seller.")},
                ]
            ),
            f"{base}/comments_and_reactions/comments.json": meta_json(
                {
                    "comments_v2": [
                        {
                            "timestamp": 1714554000,
                            "data": [
                                {
                                    "comment": {
                                        "timestamp": 1714554000,
                                        "comment": moji("Merci Zoë !"),
                                        "author": moji("Acme Café"),
                                    }
                                }
                            ],
                            "title": moji("Acme Café replied to Zoë Martin's comment."),
                        }
                    ]
                }
            ),
            f"{base}/messages/inbox/zoemartin_123/message_1.json": thread(
                "Zoë Martin", "Acme Café", "Zoë Martin", messages, "inbox/zoemartin_123"
            ),
        },
    )


def test_facebook_archive_repairs_mojibake_and_tells_in_from_out(store: Store, workspace: str, tmp_path: Path) -> None:
    path = facebook_archive(tmp_path)
    report = _import(store, workspace, "facebook-archive", path)
    assert report.records == 5 and report.result.stored == 5  # "saved a seller" is not a post
    assert list(report.channels) == ["Acme Café"]
    rows = list(_rows(store).values())
    complaint = next(r for r in rows if r.text == "Mon café est arrivé cassé 😞")
    assert complaint.direction == Direction.INBOUND.value and complaint.kind == Kind.DIRECT.value
    assert complaint.private_conversation_id == "inbox/zoemartin_123"
    assert complaint.detail["author"]["display_name"] == "Zoë Martin"
    answer = next(r for r in rows if r.text.startswith("Désolé"))
    assert answer.direction == Direction.OUTBOUND.value and answer.conversation_id == complaint.conversation_id
    assert any(r.text == "Le café de printemps est là ☕" and r.kind == Kind.OWN.value for r in rows)
    assert any(r.text == "Merci Zoë !" for r in rows)
    photo = next(r for r in rows if r.detail.get("attachments"))
    assert photo.text == "" and photo.detail["attachments"][0]["type"] == "image"
    again = _import(store, workspace, "facebook-archive", path)
    assert again.result.stored == 0 and _count(store) == 5


def test_a_broken_facebook_thread_names_the_file_line_and_field(store: Store, workspace: str, tmp_path: Path) -> None:
    messages = [dm("Zoë Martin", 1714557600000, "ok"), {"sender_name": "Zo\u00c3\u00ab Martin", "timestamp_ms": "soon"}]
    with pytest.raises(ImportRefused) as refused:
        _import(store, workspace, "facebook-archive", facebook_archive(tmp_path, messages=messages))
    text = str(refused.value)
    assert "facebook-acmecafe-2024-05-01.zip!your_facebook_activity/messages/inbox/zoemartin_123/message_1.json" in text
    assert "line 17, field 'messages[1].timestamp_ms'" in text
    assert _count(store) == 0


def instagram_archive(tmp_path: Path) -> Path:
    base = "your_instagram_activity"
    return _zip(
        tmp_path / "instagram-acme.coffee-2024-05-01.zip",
        {
            "personal_information/personal_information/personal_information.json": meta_json(
                {
                    "profile_user": [
                        {
                            "media_map_data": {},
                            "string_map_data": {
                                "Email": {"href": "", "value": "owner@acme.example", "timestamp": 0},
                                "Username": {"href": "", "value": "acme.coffee", "timestamp": 0},
                                "Name": {"href": "", "value": moji("Acme Café"), "timestamp": 0},
                            },
                        }
                    ]
                }
            ),
            f"{base}/content/posts_1.json": meta_json(
                [
                    {
                        "media": [
                            {
                                "uri": "media/posts/202405/1234_n_17890.jpg",
                                "creation_timestamp": 1714550400,
                                "media_metadata": {"camera_metadata": {"has_camera_metadata": False}},
                                "title": moji("Printemps ☕ #café"),
                                "cross_post_source": {"source_app": "FB"},
                            }
                        ]
                    },
                    {
                        "media": [
                            {"uri": "media/posts/202405/a.jpg", "creation_timestamp": 1714636800, "title": ""},
                            {"uri": "media/posts/202405/b.mp4", "creation_timestamp": 1714636800, "title": ""},
                        ],
                        "title": "Two roasts side by side",
                        "creation_timestamp": 1714636800,
                    },
                ]
            ),
            f"{base}/comments/post_comments_1.json": meta_json(
                [
                    {
                        "media_list_data": [{"uri": ""}],
                        "string_map_data": {
                            "Comment": {"value": moji("Merci 🙏")},
                            "Media Owner": {"value": "zoe.martin"},
                            "Time": {"timestamp": 1714554000},
                        },
                    }
                ]
            ),
            f"{base}/messages/inbox/zoemartin_17841400000000000/message_1.json": thread(
                "zoe.martin",
                "Acme Café",
                "zoe.martin",
                [
                    dm("Acme Café", 1714557660000, "On s'en occupe !"),
                    dm("zoe.martin", 1714557600000, "Où est ma commande ?"),
                ],
                "inbox/zoemartin_17841400000000000",
            ),
        },
    )


def test_instagram_archive_reads_posts_comments_and_messages(store: Store, workspace: str, tmp_path: Path) -> None:
    path = instagram_archive(tmp_path)
    report = _import(store, workspace, "instagram-archive", path)
    assert report.records == 5 and list(report.channels) == ["acme.coffee"]
    rows = list(_rows(store).values())
    assert any(r.text == "Printemps ☕ #café" for r in rows)
    carousel = next(r for r in rows if r.text == "Two roasts side by side")
    assert [a["type"] for a in carousel.detail["attachments"]] == ["image", "video"]
    question = next(r for r in rows if r.text == "Où est ma commande ?")
    assert question.direction == Direction.INBOUND.value and question.network == "instagram"
    assert next(r for r in rows if r.text == "On s'en occupe !").direction == Direction.OUTBOUND.value
    assert _import(store, workspace, "instagram-archive", path).result.stored == 0 and _count(store) == 5


def test_mojibake_repair_and_item_lines() -> None:
    from goodwill.connectors.archives.meta import item_lines, repair  # after goodwill.connectors.files (import order)

    assert repair(moji("Zoë ☕ 😞")) == "Zoë ☕ 😞"
    assert repair("already fine: ☕") == "already fine: ☕"  # not latin-1: left alone
    assert repair("Ã") == "Ã"  # latin-1 but not UTF-8 bytes: left alone
    text = '{"title": "[x]", "messages": [\n {"a": "]"},\n\n {"b": [1, 2]}, 3\n]}'
    assert item_lines(text, "messages") == [2, 4, 4]
    assert item_lines("[\n1,\n{}\n]") == [2, 3]


# --- Fuzzing: random damage to each valid archive never crashes a reader ---

BUILDERS = {
    "bluesky-car": (bluesky_car, None),
    "linkedin-export": (linkedin_export, "messages.csv"),
    "facebook-archive": (facebook_archive, "your_facebook_activity/messages/inbox/zoemartin_123/message_1.json"),
    "instagram-archive": (instagram_archive, "your_instagram_activity/content/posts_1.json"),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_archives_never_crash_and_bad_ones_name_the_archive(tmp_path: Path, data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(sorted(BUILDERS)))
    build, member = BUILDERS[fmt]
    path = build(Path(tempfile.mkdtemp(dir=tmp_path)))
    raw = bytearray(path.read_bytes())
    damage = data.draw(st.sampled_from(["flip", "truncate", "member"] if member else ["flip", "truncate", "splice"]))
    if damage == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        path.write_bytes(bytes(raw))
    elif damage == "truncate":
        path.write_bytes(bytes(raw[: data.draw(st.integers(0, len(raw) - 1))]))
    elif damage == "splice":
        cut = data.draw(st.integers(0, len(raw)))
        path.write_bytes(bytes(raw[:cut]) + data.draw(st.binary(max_size=40)) + bytes(raw[cut + 1 :]))
    else:
        with zipfile.ZipFile(path) as zf:
            contents = {n: zf.read(n) for n in zf.namelist()}
        text = contents[member]
        cut = data.draw(st.integers(0, len(text)))
        contents[member] = text[:cut] + data.draw(st.binary(max_size=20)) + text[cut + 1 :]
        _zip(path, contents)  # type: ignore[arg-type]
    good, bad, bad_count, _ = check_file(fmt, path)
    for item in bad:
        assert str(path) in item.path and item.problem
    assert good >= 0 and bad_count >= len(bad)
