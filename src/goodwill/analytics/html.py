"""The audit as one self-contained HTML file: inline CSS, inline SVG charts, no script, no network.
Everything shown from the report is escaped (social text and channel names are untrusted)."""

from __future__ import annotations

from html import escape
from typing import Any

from goodwill.analytics import svg

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}.muted{color:#666}
table{border-collapse:collapse;width:100%;margin:.6rem 0}td,th{padding:.3rem .5rem;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}th{background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #ddd;border-radius:8px;padding:.6rem .9rem;
min-width:150px}.card b{display:block;font-size:1.5rem}.problem{color:#b8484b}.warning{color:#b7791f}
.ok{color:#3b7a3b}svg.chart{width:100%;height:auto;margin:.8rem 0}svg .t{font-weight:600;font-size:13px}
svg .x,svg .y,svg .l{font-size:11px;fill:#444}svg .y{text-anchor:end}svg .axis{stroke:#999}
svg rect:hover,svg circle:hover{opacity:.7}blockquote{margin:.2rem 0;color:#444;white-space:pre-wrap}
"""


def e(value: object) -> str:
    return escape("" if value is None else str(value))


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def mins(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h" if value < 2880 else f"{value / 1440:.1f} d"


def _row(cells: list[str], numeric_from: int = 1) -> str:
    return (
        "<tr>"
        + "".join(f"<td{' class=n' if i >= numeric_from else ''}>{c}</td>" for i, c in enumerate(cells))
        + "</tr>"
    )


def _responsiveness(resp: dict[str, Any]) -> str:
    head = (
        "<tr><th>Channel</th><th>Conversations</th><th>Answered</th><th>Complaints answered</th>"
        "<th>Questions answered</th><th>Praise answered</th><th>Median first response</th><th>p90</th>"
        "<th>Median (business hours)</th></tr>"
    )
    rows = []
    for part in [*resp["channels"], {**resp["overall"], "channel": "All channels", "network": ""}]:
        intents = part["by_intent"]
        rows.append(
            _row(
                [
                    f"{e(part['channel'])} <span class=muted>{e(part['network'])}</span>",
                    e(part["inbound_conversations"]),
                    pct(part["response_rate"]),
                    pct(intents["complaint"]["response_rate"]),
                    pct(intents["question"]["response_rate"]),
                    pct(intents["praise"]["response_rate"]),
                    mins(part["first_response_minutes"]["median"]),
                    mins(part["first_response_minutes"]["p90"]),
                    mins(part["first_response_business_minutes"]["median"]),
                ]
            )
        )
    labels = [c["channel"] for c in resp["channels"]]
    chart = svg.bars(
        labels,
        [
            ("median first response (h)", [_h(c["first_response_minutes"]["median"]) for c in resp["channels"]]),
            ("p90 first response (h)", [_h(c["first_response_minutes"]["p90"]) for c in resp["channels"]]),
        ],
        title="First response time by channel (hours)",
        unit=" h",
    )
    rates = svg.bars(
        labels,
        [
            (intent, [_p(c["by_intent"][intent]["response_rate"]) for c in resp["channels"]])
            for intent in ("complaint", "question", "praise")
        ],
        title="Response rate by channel and intent (%)",
        unit=" %",
    )
    return f"<table>{head}{''.join(rows)}</table>{chart}{rates}"


def _h(value: float | None) -> float | None:
    return None if value is None else value / 60


def _p(value: float | None) -> float | None:
    return None if value is None else 100 * value


def _waiting(resp: dict[str, Any]) -> str:
    waiting, praise = resp["waiting"], resp["praise"]
    rows = "".join(
        _row(
            [
                e(w["intent"]),
                e(w["channel"]),
                e(w["person"]),
                f"{e(w['waiting_hours'])} h",
                f"<blockquote>{e(w['text'])}</blockquote>",
            ],
            numeric_from=9,
        )
        for w in waiting["oldest"]
    )
    neglected = "".join(
        _row([e(p["channel"]), e(p["person"]), e(p["at"][:16]), f"<blockquote>{e(p['text'])}</blockquote>"], 9)
        for p in praise["recent_neglected"]
    )
    return (
        f"<p><b>{e(waiting['complaints'])}</b> complaints and <b>{e(waiting['questions'])}</b> questions still "
        f"wait for an answer, oldest first:</p><table><tr><th>Intent</th><th>Channel</th><th>Person</th>"
        f"<th>Waiting</th><th>Message</th></tr>{rows}</table>"
        f"<h3>Neglected praise</h3><p>{e(praise['neglected'])} of {e(praise['praise_messages'])} compliments never "
        f"got a thank-you ({pct(praise['thanked_rate'])} thanked). The latest:</p>"
        f"<table><tr><th>Channel</th><th>Person</th><th>When</th><th>Message</th></tr>{neglected}</table>"
    )


def _teammates(resp: dict[str, Any]) -> str:
    rows = "".join(
        _row(
            [
                e(t["teammate"]),
                e(t["replies"]),
                e(t["conversations_answered_first"]),
                mins(t["first_response_minutes"]["median"]),
                mins(t["first_response_business_minutes"]["median"]),
            ]
        )
        for t in resp["teammates"]
    )
    return (
        "<table><tr><th>Teammate</th><th>Replies</th><th>Answered first</th><th>Median first response</th>"
        f"<th>Median (business hours)</th></tr>{rows}</table>"
    )


def _content(report: dict[str, Any]) -> str:
    posts, voice = report["content"], report["voice"]
    o = posts["overall"]
    cards = [
        ("Own posts", o["posts"]),
        ("Posts a week", o["posts_per_week"]),
        ("Promotional", pct(o["promotional_share"])),
        ("Ad-likeness", f"{o['ad_likeness']} / 100" if o["ad_likeness"] is not None else "–"),
        ("Responses per post", o["responses_per_post"]),
        ("Canned replies", pct(voice["canned_share"])),
        ("Personal replies", pct(voice["personal_share"])),
        ("Complaint replies: apology + next step", pct(voice["apology_with_next_step_share"])),
    ]
    chart = svg.bars(
        [c["channel"] for c in posts["channels"]],
        [
            ("responses per promotional post", [c["responses_per_promotional_post"] for c in posts["channels"]]),
            ("responses per useful post", [c["responses_per_useful_post"] for c in posts["channels"]]),
        ],
        title="What people answer: promotional versus useful posts",
    )
    repeated = "".join(f"<li>{e(r['times'])}× <q>{e(r['text'])}</q></li>" for r in voice["most_repeated"])
    return (
        _cards(cards)
        + chart
        + (f"<p>Most repeated replies:</p><ul>{repeated}</ul>" if repeated else "")
        + f"<p class=muted>Posts are labelled by {e(posts['classifier'])} until publishing (issue 9) records it.</p>"
    )


def _consistency(report: dict[str, Any]) -> str:
    channels = report["content"]["channels"]
    weeks = max((len(c["posts_by_week"]) for c in channels), default=0)
    cadence = svg.lines(
        [f"w{i + 1}" for i in range(weeks)],
        [(c["channel"], [float(v) for v in c["posts_by_week"]]) for c in channels],
        title="Own posts per week, by channel",
    )
    cover = report["coverage"]
    hours = svg.lines(
        [f"{h:02d}" for h in range(24)],
        [
            ("customers write", [float(v) for v in cover["inbound_by_hour"]]),
            ("we reply", [float(v) for v in cover["replies_by_hour"]]),
        ],
        title=f"When customers write and when we answer (local hour, {cover['timezone']})",
    )
    gaps = "".join(
        _row([e(c["channel"]), e(g["from"][:10]), e(g["to"][:10]), e(g["days"])], 3)
        for c in channels
        for g in c["gaps"]
    )
    return (
        cadence
        + hours
        + f"<p>{pct(cover['inbound_in_uncovered_hours_share'])} of messages arrive in hours nobody answers "
        f"({e(', '.join(f'{h:02d}:00' for h in cover['uncovered_hours']) or 'none')}).</p>"
        + f"<table><tr><th>Channel</th><th>No post from</th><th>to</th><th>Days</th></tr>{gaps}</table>"
    )


def _cards(items: list[tuple[str, object]]) -> str:
    return "<div class=cards>" + "".join(f"<div class=card><b>{e(v)}</b>{e(k)}</div>" for k, v in items) + "</div>"


def _relationships(report: dict[str, Any]) -> str:
    r = report["relationships"]
    new, follow = r["new_connections"], r["follow_ups"]
    items: list[tuple[str, object]] = [
        ("New people", new["new_people"]),
        ("Welcomed within 48 h", pct(new["welcome_rate"])),
        ("Complaints followed up", pct(follow["follow_up_rate"])),
        ("Advocates", r.get("advocates")),
        ("Gained / lost", f"{r.get('advocates_gained', '–')} / {r.get('advocates_lost', '–')}"),
        ("At risk", r.get("at_risk")),
        ("Going cold", r.get("going_cold", "–")),
    ]
    return _cards(items) + f"<p class=muted>Source: {e(r['source'])}.</p>"


def _goals(report: dict[str, Any]) -> str:
    if not report["goals"]:
        return "<p>No goals set. Set some with <code>goodwill goals set METRIC TARGET</code>.</p>"
    rows = "".join(
        _row(
            [
                e(g["metric"]) + (f" <span class=muted>({e(g['channel'])})</span>" if g["channel"] else ""),
                e(g["target"]),
                e(g["value"]),
                f"<span class={'ok' if g['met'] else 'problem'}>{'met' if g['met'] else 'missed'}</span>",
                e(g["trend"] or "–"),
                e(g["moved_most_by"] or "–"),
            ]
        )
        for g in report["goals"]
    )
    return (
        "<table><tr><th>Goal</th><th>Target</th><th>Now</th><th>Status</th><th>Trend</th><th>Moved most by</th></tr>"
        f"{rows}</table>"
    )


def _mistakes(report: dict[str, Any]) -> str:
    out = []
    for m in report["mistakes"]:
        evidence = "".join(f"<li>{e(x)}</li>" for x in m["evidence"])
        step = f"<p><b>Next step:</b> {e(m['next_step'])}</p>" if m["next_step"] else ""
        out.append(
            f"<h3><span class={e(m['status'])}>{e(m['status'])}</span> · {e(m['title'])}</h3><ul>{evidence}</ul>{step}"
        )
    return "".join(out)


def render(report: dict[str, Any]) -> str:
    period = report["period"]
    resp = report["responsiveness"]["overall"]
    head = _cards(
        [
            ("Conversations", resp["inbound_conversations"]),
            ("Answered", pct(resp["response_rate"])),
            ("Complaints answered", pct(resp["by_intent"]["complaint"]["response_rate"])),
            ("Median first response", mins(resp["first_response_minutes"]["median"])),
            ("p90 first response", mins(resp["first_response_minutes"]["p90"])),
            ("Praise thanked", pct(report["responsiveness"]["praise"]["thanked_rate"])),
        ]
    )
    sections = [
        ("The common mistakes, checked", _mistakes(report)),
        ("Goals", _goals(report)),
        ("Responsiveness", _responsiveness(report["responsiveness"])),
        ("Still waiting", _waiting(report["responsiveness"])),
        ("Teammates", _teammates(report["responsiveness"])),
        ("Conversation, not megaphone", _content(report)),
        ("Consistency", _consistency(report)),
        ("Relationships", _relationships(report)),
    ]
    body = "".join(f"<h2>{e(title)}</h2>{html}" for title, html in sections)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        "<meta http-equiv=Content-Security-Policy "
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        f"<title>Audit · {e(report['workspace']['name'])}</title><style>{CSS}</style></head><body>"
        f"<h1>Is our social strategy working?</h1><p class=muted>{e(report['workspace']['name'])} · "
        f"{e(period['since'][:10])} to {e(period['until'][:10])} ({e(period['days'])} days) · business hours "
        f"{e(report['business_hours'])} in {e(period['timezone'])}</p>{head}{body}"
        "<p class=muted>Definitions: docs/audit.md in goodwill.</p></body></html>"
    )
