"""The tone guard on its own: each check with the words that triggered it, and length counting per network."""

from __future__ import annotations

from goodwill.replies import Check, DraftContext, Level, blocking, check_draft, fit, limit_for, measure
from goodwill.replies.length import graphemes


def checks(text: str, **context: object) -> dict[str, str]:
    return {f.check.value: f.level.value for f in check_draft(text, DraftContext(**context))}  # type: ignore[arg-type]


def test_a_sales_pitch_in_a_reply_blocks_with_its_words() -> None:
    [finding] = check_draft("So glad!! Get 20% off this week only with code FRESH20 🔥")
    assert finding.check is Check.OVERSELL and finding.level is Level.BLOCK
    assert {"20% off", "this week only", "with code", "🔥"} <= set(finding.words)
    assert finding.suggestion
    assert check_draft("Thanks Ann, glad the Guji landed well. Enjoy it!") == []


def test_blaming_the_customer_blocks_and_a_kind_reply_passes() -> None:
    assert checks("Our records show it was delivered. Please check with your neighbours.")["defensive"] == "block"
    assert checks("As we said, per our policy refunds take 10 days.")["defensive"] == "warn"
    assert "defensive" not in checks("You should have got it by now, I'm so sorry. I'll chase the courier today.")


def test_a_complaint_needs_an_apology_and_a_next_step() -> None:
    ctx = {"intent": "complaint", "severity": 3}
    assert checks("Thanks for the feedback.", **ctx) == {"no_apology": "block", "no_next_step": "block"}
    assert checks("Sorry about that.", **ctx) == {"no_next_step": "warn"}
    assert checks("I'm so sorry, could you DM us your order number? I'll sort it today.", **ctx) == {}
    assert checks("Could you DM us the order number?", **ctx, first_reply=False) == {}  # later turns: a step suffices


def test_a_reply_sent_word_for_word_to_many_people_is_canned() -> None:
    canned = "Thanks for reaching out! Please DM us so we can help."
    recent = ["@ann " + canned, "@bob " + canned + " ☕", canned.upper(), "Something else entirely, Ann."]
    [finding] = check_draft("@cy " + canned, DraftContext(recent=recent))
    assert finding.check is Check.CANNED and finding.level is Level.BLOCK
    sorry = "so sorry the V60 kit arrived cracked, a new one ships today and I'll follow up by email tomorrow."
    found = check_draft(f"Hi Bob, {sorry}", DraftContext(recent=[f"Hi Ann, {sorry}"] * 3))  # only a name differs
    assert [(f.check, f.level) for f in found] == [(Check.CANNED, Level.WARN)]
    assert check_draft("@cy " + canned, DraftContext(recent=recent[:2])) == []  # two copies are not "many"


def test_name_length_and_private_data() -> None:
    assert checks("Thanks so much!", first_name="Ann", want_name=True) == {"no_name": "warn"}
    assert checks("Thanks so much!", first_name="Ann", want_name=False) == {}
    long = "word " * 70
    found = check_draft(long, DraftContext(network="x", limit=280))
    assert found[0].check is Check.TOO_LONG and "Cut it to" in found[0].suggestion
    assert checks("What's your email address and phone number?") == {"private_data": "block"}
    assert checks("Could you DM us your email address?") == {}
    assert checks("What's your email address?", public=False) == {}
    assert checks("Please DM us your password and we'll log in for you.")["private_data"] == "block"
    assert checks("Try resetting your password here: https://example.com/reset") == {}
    assert blocking(check_draft("What's your home address?"))


def test_networks_count_length_their_own_way() -> None:
    assert limit_for("x") == 280 and limit_for("bluesky") == 300 and limit_for("mastodon") == 500
    assert limit_for("mastodon", config={"max_characters": 1000}) == 1000
    assert limit_for("x", direct=True) == 10_000
    family = "👨‍👩‍👧"
    assert len(graphemes(family + "é" + "🇫🇷")) == 3
    assert measure(family, "bluesky") == 1 and measure(family, "x") == 2
    assert measure("see https://example.com/a/very/long/path/indeed/yes", "x") == 4 + 23
    assert measure("@ann @bob hello", "x") == 5  # the mentions a reply starts with are free on X
    assert measure("日本", "x") == 4 and measure("日本", "mastodon") == 2


def test_fit_drops_the_least_important_parts_first() -> None:
    parts = [("Ann, I'm so sorry about the delay.", 0), ("I'll follow up today.", 1), ("– Sam", 3)]
    assert fit(parts, 280, "x") == "Ann, I'm so sorry about the delay. I'll follow up today. – Sam"
    assert fit(parts, 60, "x") == "Ann, I'm so sorry about the delay. I'll follow up today."
    assert fit(parts, 20, "x").endswith("…") and measure(fit(parts, 20, "x"), "x") <= 20
