"""The common mistakes of social customer care, each checked against the report with its evidence and the
one next step that would help most. Thresholds are documented in docs/audit.md."""

from __future__ import annotations

from typing import Any


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _mistake(key: str, title: str, bad: bool, warn: bool, evidence: list[str], step: str) -> dict[str, Any]:
    status = "problem" if bad else "warning" if warn else "ok"
    return {
        "key": key,
        "title": title,
        "status": status,
        "evidence": evidence,
        "next_step": step if status != "ok" else "",
    }


def check(report: dict[str, Any]) -> list[dict[str, Any]]:
    resp, posts, voice = report["responsiveness"], report["content"]["overall"], report["voice"]
    cover, praise, goals = report["coverage"], resp["praise"], report["goals"]
    promo = posts.get("promotional_share") or 0.0
    selling = voice.get("selling_share") or 0.0
    complaints = resp["overall"]["by_intent"]["complaint"]
    waiting = resp["waiting"]
    channels = report["content"]["channels"]
    gaps = sum(len(c["gaps"]) for c in channels)
    silent = posts.get("silent_channels") or []
    replies_per_post = posts.get("responses_per_post")
    useful, promo_resp = posts.get("responses_per_useful_post"), posts.get("responses_per_promotional_post")
    thanked = praise.get("thanked_rate")
    return [
        _mistake(
            "talking_about_ourselves",
            "Talking about ourselves instead of with people",
            promo > 0.4 or selling > 0.15,
            promo > 0.2 or selling > 0.05,
            [
                f"{_pct(promo)} of own posts are promotional",
                f"{_pct(selling)} of replies try to sell something",
                f"{_pct(voice.get('personal_share'))} of replies address the person or are signed",
            ],
            "Answer people by name and sign replies; keep selling out of replies to complaints and praise.",
        ),
        _mistake(
            "no_plan",
            "No plan or goals",
            not goals,
            any(card["met"] is False for card in goals),
            [f"{len(goals)} goals set", f"{sum(1 for c in goals if c['met'])} met"]
            + [
                f"{c['channel']}: {c['weeks_without_posts']} weeks without a post"
                for c in channels
                if c["weeks_without_posts"]
            ],
            (
                "Set goals with `goodwill goals set`, e.g. complaint_response_rate 0.95 or "
                "median_first_response_minutes 60."
                if not goals
                else "Review the missed goals weekly and give each one an owner on the team."
            ),
        ),
        _mistake(
            "no_ones_home",
            "No one's home",
            bool(silent) or waiting["complaints"] > 0 or (complaints.get("response_rate") or 1) < 0.8,
            gaps > 0 or (cover.get("inbound_in_uncovered_hours_share") or 0) > 0.15,
            [
                f"{waiting['complaints']} complaints and {waiting['questions']} questions still waiting",
                f"{_pct(complaints.get('response_rate'))} of complaints answered",
                f"{gaps} gaps of a week or more without a post" + (f"; silent: {', '.join(silent)}" if silent else ""),
                f"{_pct(cover.get('inbound_in_uncovered_hours_share'))} of messages arrive in hours nobody answers",
            ],
            "Answer the oldest waiting complaints today, then cover the uncovered hours or say when you are back.",
        ),
        _mistake(
            "magic_bullet",
            "Expecting a magic bullet (broadcast without engagement)",
            replies_per_post is not None and replies_per_post < 1 and posts.get("posts", 0) >= 4,
            posts.get("posts", 0) > 0 and posts.get("posts_without_response", 0) > 0.3 * posts.get("posts", 1),
            [
                f"{posts.get('posts_per_week')} posts a week, {replies_per_post} responses per post",
                f"{posts.get('posts_without_response')} posts nobody answered",
            ],
            "Post less and converse more: answer every comment under your posts before the next broadcast.",
        ),
        _mistake(
            "giant_ad",
            "A page that looks like a giant ad",
            promo > 0.5,
            (posts.get("ad_likeness") or 0) > 25 or promo > 0.2,
            [
                f"ad-likeness {posts.get('ad_likeness')} / 100; {_pct(promo)} promotional",
                f"useful posts draw {useful} responses each, promotional ones {promo_resp}",
            ],
            "Follow the 80/20 rule: four useful posts (tips, stories, questions) for every promotion.",
        ),
        _mistake(
            "neglected_praise",
            "Neglected praise",
            thanked is not None and thanked < 0.5,
            thanked is not None and thanked < 0.8,
            [f"{praise['neglected']} of {praise['praise_messages']} praise messages never got a thank-you"],
            "Thank every compliment within a day, by name; that is where advocates come from.",
        ),
    ]
