"""Suggest where a ticket should go: routing rules first, then eligible providers.

The agent sees each candidate with its reason; the choice stays with the agent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from callcenter.domain import routing as rules_domain
from callcenter.domain.routing import ProviderView, RuleView, TicketFacts
from callcenter.domain.tickets import TYPES, Actor, NotFoundError, ValidationError
from callcenter.models import Category, Department, Provider, Region, RoutingRule
from callcenter.services.directory import open_jobs, require_admin

MAX_PROVIDERS = 5


class TicketLike(Protocol):
    category_id: int | None
    region_id: int
    type: str | None


@dataclass(frozen=True)
class Suggestion:
    kind: str  # department | provider
    id: int
    name: str
    reason: str
    rank: int


def suggest_targets(session: Session, ticket: TicketLike) -> list[Suggestion]:
    """Ranked candidates: the winning rule's target first, then the other matching rules."""
    region = session.get(Region, ticket.region_id)
    if region is None:
        raise ValidationError("unknown region", "region_id")
    category = session.get(Category, ticket.category_id) if ticket.category_id else None
    facts = TicketFacts(region.path, category.path if category else None,
                        getattr(ticket, "type", None))
    rows = {r.id: r for r in session.scalars(select(RoutingRule).where(RoutingRule.active))}
    out: list[Suggestion] = []
    seen: set[tuple[str, int]] = set()
    for rule in rules_domain.rank_rules([_view(r) for r in rows.values()], facts):
        row = rows[rule.id]
        if rule.target_kind == "department" and row.department and row.department.active:
            _add(out, seen, "department", row.department.id, row.department.name, _why(row))
        elif rule.target_kind == "providers":
            for prov, view in _providers(session, facts):
                _add(out, seen, "provider", prov.id, prov.name,
                     f"{_why(row)}；在办 {view.open_jobs}/{view.capacity}，评分 {view.rating:.1f}")
    return out


def _add(out: list, seen: set, kind: str, target_id: int, name: str, reason: str) -> None:
    if (kind, target_id) not in seen:
        seen.add((kind, target_id))
        out.append(Suggestion(kind, target_id, name, reason, len(out) + 1))


def _view(rule: RoutingRule) -> RuleView:
    return RuleView(id=rule.id, target_kind=rule.target_kind,
                    category_path=rule.category.path if rule.category else None,
                    region_path=rule.region.path if rule.region else None,
                    ticket_type=rule.ticket_type, department_id=rule.department_id,
                    priority=rule.priority)


def _why(rule: RoutingRule) -> str:
    parts = [f"规则#{rule.id}{('「' + rule.name + '」') if rule.name else ''}",
             f"分类：{rule.category.name if rule.category else '全部'}",
             f"区域：{rule.region.name if rule.region else '全部'}"]
    if rule.ticket_type:
        parts.append(f"类型：{rule.ticket_type}")
    parts.append(f"优先级 {rule.priority}")
    return "，".join(parts)


def _providers(session: Session, facts: TicketFacts) -> list[tuple[Provider, ProviderView]]:
    jobs = open_jobs(session)
    provs = session.scalars(select(Provider).where(Provider.active).options(
        selectinload(Provider.regions), selectinload(Provider.categories)))
    views = {p.id: (p, ProviderView(p.id, jobs.get(p.id, 0), p.capacity, p.rating,
                                    tuple(r.path for r in p.regions),
                                    tuple(c.path for c in p.categories), p.active))
             for p in provs}
    ranked = rules_domain.rank_providers([v for _, v in views.values()], facts)
    return [views[v.id] for v in ranked[:MAX_PROVIDERS]]


@dataclass
class RuleInput:
    target_kind: str
    name: str = ""
    category_id: int | None = None
    region_id: int | None = None
    ticket_type: str | None = None
    department_id: int | None = None
    priority: int = 0
    active: bool = True


def save_rule(session: Session, actor: Actor, data: RuleInput,
              rule_id: int | None = None) -> RoutingRule:
    require_admin(actor)
    _check_rule(session, actor, data)
    rule = session.get(RoutingRule, rule_id) if rule_id else None
    if rule_id and rule is None:
        raise NotFoundError("routing rule not found")
    if rule is None:
        rule = RoutingRule(target_kind=data.target_kind)
        session.add(rule)
    for name in ("target_kind", "name", "category_id", "region_id", "ticket_type",
                 "department_id", "priority", "active"):
        setattr(rule, name, getattr(data, name))
    if data.target_kind == "providers":
        rule.department_id = None
    session.flush()
    return rule


def _check_rule(session: Session, actor: Actor, data: RuleInput) -> None:
    if data.target_kind not in rules_domain.TARGET_KINDS:
        raise ValidationError("target must be a department or any eligible provider",
                              "target_kind")
    if data.target_kind == "department" and (
            data.department_id is None or session.get(Department, data.department_id) is None):
        raise ValidationError("choose the department", "department_id")
    if data.ticket_type is not None and data.ticket_type not in TYPES:
        raise ValidationError("unknown ticket type", "ticket_type")
    if data.category_id is not None and session.get(Category, data.category_id) is None:
        raise ValidationError("unknown category", "category_id")
    region = session.get(Region, data.region_id) if data.region_id else None
    if data.region_id is not None and (region is None
                                       or not region.path.startswith(actor.region_path)):
        raise ValidationError("unknown region or outside your scope", "region_id")
    if data.region_id is None and actor.region_path.count("/") > 2:
        raise ValidationError("a rule for every region needs a top-level administrator",
                              "region_id")
    if not -1000 <= data.priority <= 1000:
        raise ValidationError("priority must be between -1000 and 1000", "priority")


def list_rules(session: Session) -> list[RoutingRule]:
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.id)))


def delete_rule(session: Session, actor: Actor, rule_id: int) -> None:
    require_admin(actor)
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFoundError("routing rule not found")
    session.delete(rule)
    session.flush()
