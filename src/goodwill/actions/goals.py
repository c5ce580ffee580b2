"""Goals: targets the owner sets, kept in Workspace.settings["goals"] (no table of their own); owners and
admins only, each change audited. The scorecard that reads them is goodwill.analytics.goals."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_manage
from goodwill.actions.audit import Acting
from goodwill.actions.workspaces import do_write_settings
from goodwill.analytics.goals import METRICS
from goodwill.store.tables import Channel, Workspace


def check_goal(metric: str, target: str | float) -> tuple[str, float]:
    """Validate a goal: a known metric and a target in its unit ("95%" or 0.95 for shares)."""
    found = METRICS.get(metric.strip().lower())
    if found is None:
        raise ValueError(f"unknown goal {metric!r}: pick one of {', '.join(METRICS)}")
    text = str(target).strip()
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%"))
    except ValueError as exc:
        raise ValueError(f"goal target {target!r} is not a number") from exc
    if not math.isfinite(number):
        raise ValueError(f"goal target {target!r} is not a finite number")
    if found.unit == "share" and (percent or number > 1):
        number /= 100
    if number < 0 or (found.unit == "share" and number > 1):
        raise ValueError(f"{found.name}: a target between 0 and 100%")
    return found.name, round(number, 6)


def do_set_goal(
    session: Session,
    workspace: Workspace,
    *,
    metric: str,
    target: str | float,
    channel: Channel | None = None,
    acting: Acting,
) -> dict[str, Any]:
    """Set (or replace) the goal for `metric`, for the workspace or one channel. Idempotent."""
    check_can_manage(session, workspace, acting)
    name, number = check_goal(metric, target)
    if channel is not None and channel.workspace_id != workspace.id:
        raise ValueError(f"channel {channel.id} is not in workspace {workspace.slug!r}")
    goal = {"metric": name, "target": number, "channel_id": channel.id if channel else None}
    goals = [
        g
        for g in (workspace.settings or {}).get("goals") or []
        if (g["metric"], g.get("channel_id")) != (name, goal["channel_id"])
    ]
    do_write_settings(session, workspace, {"goals": [*goals, goal]}, action="goal.set", acting=acting, data=goal)
    return goal


def do_remove_goal(
    session: Session, workspace: Workspace, *, metric: str, channel: Channel | None = None, acting: Acting
) -> bool:
    """Remove a goal; False when there was none."""
    check_can_manage(session, workspace, acting)
    key = (metric.strip().lower(), channel.id if channel else None)
    goals = list((workspace.settings or {}).get("goals") or [])
    kept = [g for g in goals if (g["metric"], g.get("channel_id")) != key]
    if len(kept) == len(goals):
        return False
    do_write_settings(
        session,
        workspace,
        {"goals": kept},
        action="goal.remove",
        acting=acting,
        data={"metric": key[0], "channel_id": key[1]},
    )
    return True
