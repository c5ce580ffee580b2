"""The fold of one person's messages into Figures (goodwill.relationships.figures.figures_of), on a history
worked out by hand: turns, conversations begun by them, praise and recommendations, complaints answered,
resolved by status and left open, the last 30 days against before, and rows after the moment left out."""

from __future__ import annotations

from goodwill.relationships.figures import DAY, Row, figures_of
from goodwill.relationships.state import classify


def _row(conversation: int, inbound: bool, day: float, message: int, **kw: object) -> Row:
    values = {"kind": "mention", "intent": None, "sentiment": "neutral", "text": None, "resolved": 0, **kw}
    return Row(1, conversation, int(inbound), day * DAY, *values.values(), message)  # type: ignore[arg-type]


HISTORY = [
    # conversation 10 (open): a complaint answered at the same second, a calm word, then a new complaint
    _row(10, True, 10, 1, intent="complaint", sentiment="negative"),
    _row(10, False, 10, 2, kind="own"),
    _row(10, True, 11, 3, intent="chatter"),
    _row(10, True, 80, 4, intent="complaint", sentiment="negative"),
    # conversation 20 (resolved): the brand wrote first; praise that recommends us, then a complaint
    _row(20, False, 20, 5, kind="own", resolved=1),
    _row(20, True, 21, 6, kind="reply", intent="praise", sentiment="positive", text="I recommend you", resolved=1),
    _row(20, True, 75, 7, intent="complaint", resolved=1),
    # conversation 30: a quote post praising us, and a message after the moment
    _row(30, True, 90, 8, kind="quote", intent="praise"),
    _row(30, True, 120, 9, intent="complaint", sentiment="negative"),
]


def test_the_fold_of_a_history_worked_out_by_hand() -> None:
    f = figures_of(1, HISTORY, 100 * DAY)  # the last 30 days: from day 70
    assert (f.inbound, f.outbound, f.conversations) == (6, 2, 2)
    assert (f.first_at, f.last_inbound_at, f.last_outbound_at) == (10 * DAY, 90 * DAY, 20 * DAY)
    assert (f.praise, f.unprompted_praise, f.recommendations) == (2, 1, 2)
    assert (f.complaints, f.negatives, f.recent_inbound, f.recent_complaints) == (3, 2, 3, 2)
    assert (f.mood_recent, f.said_recent, f.mood_before, f.said_before) == (-1.0, 3, 0.0, 3)
    assert (f.their_turns, f.they_answered, f.our_turns, f.we_answered) == (4, 2, 2, 1)
    assert f.unresolved == [80 * DAY]
    assert f.resolved_complaints == [(10, 10 * DAY), (20, 75 * DAY)]
    state = classify(f, 100 * DAY)
    assert state.at_risk and not state.is_advocate  # praise, but three complaints

    early = figures_of(1, HISTORY, 15 * DAY)  # rows after day 15 left out; everything is recent
    assert (early.inbound, early.outbound, early.conversations, early.recent_inbound) == (2, 1, 1, 2)
    assert (early.complaints, early.recent_complaints, early.mood_recent, early.said_before) == (1, 1, -1.0, 0)
    assert early.unresolved == [] and early.resolved_complaints == [(10, 10 * DAY)]
    assert (early.their_turns, early.they_answered, early.our_turns, early.we_answered) == (2, 1, 1, 1)
