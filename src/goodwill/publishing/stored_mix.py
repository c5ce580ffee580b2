"""The content mix classifier's answers stored per own post (table `post_mix`), so the audit's content mix
reads them instead of running the classifier's regular expressions over every post of the period on every
report (about 1 s for 40,000 posts).

`store_post_mix` classifies every own post (a broadcast: outbound, kind `own`, answering nothing) that has no
current answer: none yet, one made by another version of the rules (`classify.MIX_VERSION`), or one made from
another text (`classify.text_hash`: the post was edited or redacted since). The periodic `post-mix` job runs
it (goodwill.jobs.schedule); its first run after migration 0011 is the backfill. Nothing in the ingest
pipeline changes: a post that arrived since the last run is classified by the audit itself, as before, so
no figure depends on whether the job has run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from goodwill.publishing.classify import MIX_VERSION, SELLING, post_mix, post_mix_counts, text_hash
from goodwill.publishing.mix import is_own_post
from goodwill.store import Store
from goodwill.store.tables import Message
from goodwill.store.tables_publishing import PostMix

BATCH = 5000


def stored_answer(
    text: str, stored_hash: int | None, promotional: bool | None, selling: int | None
) -> tuple[bool, float]:
    """(promotional, ad score) of one post: the stored answer when it was made from this text by these rules
    (the caller joins only rows of the current `MIX_VERSION`), else the classifier's."""
    if stored_hash is not None and promotional is not None and selling is not None and stored_hash == text_hash(text):
        return bool(promotional), int(selling) / len(SELLING)
    return post_mix(text)


def store_post_mix(session: Session, workspace_id: int | None = None) -> int:
    """Classify the own posts without a current stored answer; returns how many were (re)classified."""
    query = (
        select(Message.id, Message.text, PostMix.classifier, PostMix.text_hash)
        .outerjoin(PostMix, PostMix.message_id == Message.id)
        .where(is_own_post())
    )
    if workspace_id is not None:
        query = query.where(Message.workspace_id == workspace_id)
    due: list[tuple[int, str, bool]] = []  # (message id, text, has a row to replace)
    for mid, body, classifier, stored in session.connection().execute(query):
        if classifier != MIX_VERSION or stored != text_hash(body):
            due.append((int(mid), body, classifier is not None))
    for start in range(0, len(due), BATCH):
        batch = due[start : start + BATCH]
        stale = [mid for mid, _body, replace in batch if replace]
        if stale:
            session.execute(delete(PostMix).where(PostMix.message_id.in_(stale)))
        rows = []
        for mid, body, _replace in batch:
            promotional, selling = post_mix_counts(body)
            rows.append(
                {
                    "message_id": mid,
                    "classifier": MIX_VERSION,
                    "text_hash": text_hash(body),
                    "promotional": promotional,
                    "selling": selling,
                }
            )
        session.execute(insert(PostMix), rows)
    return len(due)


def run(store: Store, *, now: datetime) -> int:
    """The periodic job: every workspace's own posts (`now` is unused: the sweep depends on nothing else)."""
    with store.session() as session:
        return store_post_mix(session)
