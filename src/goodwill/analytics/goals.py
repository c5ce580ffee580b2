"""Goals: the targets an owner sets (stored in Workspace.settings["goals"] by goodwill.actions.goals), and
the scorecard: each goal's value in the period, met or missed, its trend against the period before, and
the channel that moved it most."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goodwill.store.tables import Workspace


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    help: str
    higher_is_better: bool
    unit: str  # "share" (0..1), "minutes", "posts"


METRICS = {
    m.name: m
    for m in (
        Metric("complaint_response_rate", "share of complaint conversations answered", True, "share"),
        Metric("question_response_rate", "share of question conversations answered", True, "share"),
        Metric("response_rate", "share of all conversations answered", True, "share"),
        Metric("median_first_response_minutes", "median first response, wall-clock minutes", False, "minutes"),
        Metric("p90_first_response_minutes", "90th percentile first response, wall-clock minutes", False, "minutes"),
        Metric("median_first_response_business_minutes", "median first response in business hours", False, "minutes"),
        Metric("promotional_share", "share of own posts that are promotional", False, "share"),
        Metric("posts_per_week", "own posts a week, on every channel", True, "posts"),
        Metric("praise_thanked_rate", "share of praise messages answered", True, "share"),
        Metric("welcome_rate", "share of new people who heard from us within 48 h", True, "share"),
    )
}


def goals_of(workspace: Workspace) -> list[dict[str, Any]]:
    return list((workspace.settings or {}).get("goals") or [])


def _resp(part: dict[str, Any], metric: str) -> tuple[float | None, float]:
    volume = float(part.get("inbound_conversations") or 0)
    if metric == "response_rate":
        return part.get("response_rate"), volume
    if metric in ("complaint_response_rate", "question_response_rate"):
        sub = part["by_intent"][metric.split("_")[0]]
        return sub.get("response_rate"), float(sub.get("inbound_conversations") or 0)
    key = "first_response_business_minutes" if "business" in metric else "first_response_minutes"
    return part[key]["p90" if metric.startswith("p90") else "median"], float(part.get("answered_conversations") or 0)


def value(report: dict[str, Any], metric: str, channel_id: int | None = None) -> tuple[float | None, float]:
    """A metric's value in a report (overall, or for one channel) and the volume it rests on."""
    resp = report["responsiveness"]
    posts = report["content"]
    if channel_id is not None:
        resp_part = next((c for c in resp["channels"] if c["channel_id"] == channel_id), None)
        post_part = next((c for c in posts["channels"] if c["channel_id"] == channel_id), None)
        if resp_part is None or post_part is None:
            return None, 0.0
    else:
        resp_part, post_part = resp["overall"], posts["overall"]
    if metric in ("promotional_share",):
        return post_part.get("promotional_share"), float(post_part.get("posts") or 0)
    if metric == "posts_per_week":
        if channel_id is None:  # "on every channel": the weakest channel's cadence
            rates = [c["posts_per_week"] for c in posts["channels"]]
            return (min(rates) if rates else None), float(len(rates))
        return post_part.get("posts_per_week"), 1.0
    if metric == "praise_thanked_rate":
        praise = resp["praise"]
        return praise.get("thanked_rate"), float(praise.get("praise_messages") or 0)
    if metric == "welcome_rate":
        new = report["relationships"]["new_connections"]
        return new.get("welcome_rate"), float(new.get("new_people") or 0)
    return _resp(resp_part, metric)


def _met(metric: Metric, current: float | None, target: float) -> bool | None:
    if current is None:
        return None
    return current >= target if metric.higher_is_better else current <= target


def scorecard(
    goals: list[dict[str, Any]], report: dict[str, Any], previous: dict[str, Any] | None
) -> list[dict[str, Any]]:
    cards = []
    channel_ids = [c["channel_id"] for c in report["responsiveness"]["channels"]]
    names = {c["channel_id"]: c["channel"] for c in report["responsiveness"]["channels"]}
    for goal in goals:
        metric = METRICS.get(goal.get("metric", ""))
        if metric is None:
            continue
        target = float(goal["target"])
        scope_channel = goal.get("channel_id")
        current, _volume = value(report, metric.name, scope_channel)
        before = value(previous, metric.name, scope_channel)[0] if previous else None
        change = None if current is None or before is None else round(current - before, 4)
        better = None if change is None or change == 0 else (change > 0) == metric.higher_is_better
        moved = _moved_by(metric, report, previous, channel_ids, change) if scope_channel is None else None
        cards.append(
            {
                "metric": metric.name,
                "help": metric.help,
                "target": target,
                "channel": names.get(scope_channel) if scope_channel is not None else None,
                "value": current,
                "met": _met(metric, current, target),
                "previous": before,
                "change": change,
                "trend": "flat" if change == 0 else None if better is None else "better" if better else "worse",
                "moved_most_by": names.get(moved) if moved is not None else None,
            }
        )
    return cards


def _moved_by(
    metric: Metric,
    report: dict[str, Any],
    previous: dict[str, Any] | None,
    channel_ids: list[int],
    change: float | None,
) -> int | None:
    """The channel whose own change, weighted by its share of the volume, pushed the overall value most in
    the direction it moved."""
    if previous is None or not change:
        return None
    best, best_impact = None, 0.0
    total = sum(value(report, metric.name, cid)[1] for cid in channel_ids) or 1.0
    for cid in channel_ids:
        now, volume = value(report, metric.name, cid)
        then, _ = value(previous, metric.name, cid)
        if now is None or then is None:
            continue
        impact = (now - then) * (volume / total)
        if impact * change > 0 and abs(impact) > best_impact:
            best, best_impact = cid, abs(impact)
    return best
