"""Inbox rules and goals: owners and admins change them (scope admin); everyone reads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select

from goodwill.actions.goals import do_remove_goal, do_set_goal
from goodwill.actions.policy import do_create_rule, do_delete_rule, do_set_rule_enabled
from goodwill.actions.workspaces import NotFound
from goodwill.analytics.goals import METRICS, goals_of
from goodwill.api.rest import convert
from goodwill.api.rest.access import access_channel, access_rule_by_id
from goodwill.api.rest.deps import Admin, IdPath, Reader, StoreDep
from goodwill.api.rest.errors import ApiError, field_errors, referenced
from goodwill.api.rest.schemas.common import MAX_ID, Page
from goodwill.api.rest.schemas.policy import GoalPublic, GoalSet, RuleCreate, RulePublic, RuleUpdate
from goodwill.inbox.rules import check_actions, check_conditions
from goodwill.store.tables import Rule

router = APIRouter(prefix="/workspaces/{slug}", tags=["rules and goals"])
MetricPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


@router.get("/rules", response_model=Page[RulePublic], summary="Inbox rules, in the order they are checked")
def list_rules(principal: Reader, store: StoreDep) -> Page[RulePublic]:
    with store.reader() as session:
        query = select(Rule).where(Rule.workspace_id == principal.workspace_id).order_by(Rule.position, Rule.id)
        data = [convert.rule(r) for r in session.scalars(query)]
    return Page(data=data, count=len(data))


@router.post("/rules", response_model=RulePublic, status_code=201, summary="A new rule, checked after the others")
def create_rule(body: RuleCreate, principal: Admin, store: StoreDep) -> RulePublic:
    with field_errors("conditions"):
        conditions = check_conditions(body.conditions.model_dump(exclude_none=True))
    with field_errors("actions"):
        actions = check_actions(body.actions.model_dump(exclude_none=True))
    with store.session() as session:
        ws = principal.workspace(session)
        rule = do_create_rule(
            session, ws, name=body.name, conditions=conditions, actions=actions, acting=principal.acting
        )
        return convert.rule(rule)


@router.get("/rules/{rule_id}", response_model=RulePublic, summary="One rule")
def get_rule(rule_id: IdPath, principal: Reader, store: StoreDep) -> RulePublic:
    with store.reader() as session:
        return convert.rule(access_rule_by_id(session, principal.workspace(session), rule_id))


@router.patch("/rules/{rule_id}", response_model=RulePublic, summary="Turn a rule on or off")
def update_rule(rule_id: IdPath, body: RuleUpdate, principal: Admin, store: StoreDep) -> RulePublic:
    with store.session() as session:
        ws = principal.workspace(session)
        rule = access_rule_by_id(session, ws, rule_id)
        do_set_rule_enabled(session, ws, rule, enabled=body.enabled, acting=principal.acting)
        return convert.rule(rule)


@router.delete("/rules/{rule_id}", status_code=204, response_class=Response, summary="Delete a rule")
def delete_rule(rule_id: IdPath, principal: Admin, store: StoreDep) -> Response:
    with store.session() as session:
        ws = principal.workspace(session)
        do_delete_rule(session, ws, access_rule_by_id(session, ws, rule_id), acting=principal.acting)
    return Response(status_code=204)


@router.get("/goals", response_model=Page[GoalPublic], summary="The owner's targets")
def list_goals(principal: Reader, store: StoreDep) -> Page[GoalPublic]:
    with store.reader() as session:
        data = [convert.goal(g) for g in goals_of(principal.workspace(session))]
    return Page(data=data, count=len(data))


@router.put("/goals/{metric}", response_model=GoalPublic, summary="Set (or replace) the goal for a metric")
def set_goal(metric: MetricPath, body: GoalSet, principal: Admin, store: StoreDep) -> GoalPublic:
    if metric not in METRICS:
        raise ApiError(422, f"unknown goal {metric!r}: pick one of {', '.join(METRICS)}", field="metric")
    with store.session() as session:
        ws = principal.workspace(session)
        with referenced("channel_id"):
            channel = access_channel(session, ws, body.channel_id) if body.channel_id else None
        with field_errors("target"):
            goal = do_set_goal(session, ws, metric=metric, target=body.target, channel=channel, acting=principal.acting)
        return convert.goal(goal)


@router.delete("/goals/{metric}", status_code=204, response_class=Response, summary="Remove a goal")
def remove_goal(
    metric: MetricPath,
    principal: Admin,
    store: StoreDep,
    channel_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    with store.session() as session:
        ws = principal.workspace(session)
        with referenced("channel_id"):
            channel = access_channel(session, ws, channel_id) if channel_id else None
        if not do_remove_goal(session, ws, metric=metric, channel=channel, acting=principal.acting):
            raise NotFound(f"no goal for {metric!r}" + (f" on channel {channel_id}" if channel_id else ""))
    return Response(status_code=204)
