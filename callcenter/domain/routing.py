"""Dispatch routing (派单规则): which rule applies to a ticket, and which providers are eligible.

Pure functions over snapshots. A rule matches a ticket when the ticket's category lies in
the rule's category subtree, its region in the rule's region subtree, and its type equals
the rule's type (an empty criterion matches anything). Among matching rules the most
specific wins, compared in this order:

1. deeper category (an empty category has depth 0),
2. deeper region,
3. a rule for this ticket type beats one for any type,
4. higher priority,
5. lower id (the older rule).
"""
from __future__ import annotations

from dataclasses import dataclass

TARGET_KINDS = ("department", "providers")  # "providers" = any eligible provider


@dataclass(frozen=True)
class RuleView:
    id: int
    target_kind: str
    category_path: str | None = None
    region_path: str | None = None
    ticket_type: str | None = None
    department_id: int | None = None
    priority: int = 0


@dataclass(frozen=True)
class TicketFacts:
    region_path: str
    category_path: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class ProviderView:
    id: int
    open_jobs: int
    capacity: int
    rating: float
    region_paths: tuple[str, ...]
    category_paths: tuple[str, ...]
    active: bool = True


def depth(path: str | None) -> int:
    """Depth of a materialized path: '/1/4/17/' → 3; no path → 0."""
    return len([p for p in (path or "").split("/") if p])


def _under(node: str | None, ancestor: str | None) -> bool:
    if ancestor is None:
        return True
    return node is not None and node.startswith(ancestor)


def matches(rule: RuleView, ticket: TicketFacts) -> bool:
    return (_under(ticket.category_path, rule.category_path)
            and _under(ticket.region_path, rule.region_path)
            and (rule.ticket_type is None or rule.ticket_type == ticket.type))


def specificity(rule: RuleView) -> tuple:
    """Sort key, best first when sorted ascending."""
    return (-depth(rule.category_path), -depth(rule.region_path),
            0 if rule.ticket_type else 1, -rule.priority, rule.id)


def rank_rules(rules: list[RuleView], ticket: TicketFacts) -> list[RuleView]:
    """Matching rules, the winner first."""
    return sorted((r for r in rules if matches(r, ticket)), key=specificity)


def choose_rule(rules: list[RuleView], ticket: TicketFacts) -> RuleView | None:
    ranked = rank_rules(rules, ticket)
    return ranked[0] if ranked else None


def eligible(provider: ProviderView, ticket: TicketFacts) -> bool:
    """Active, below capacity, serving the ticket's area and category (or a parent of it)."""
    return (provider.active and provider.open_jobs < provider.capacity
            and any(_under(ticket.region_path, p) for p in provider.region_paths)
            and ticket.category_path is not None
            and any(_under(ticket.category_path, p) for p in provider.category_paths))


def rank_providers(providers: list[ProviderView], ticket: TicketFacts) -> list[ProviderView]:
    """Eligible providers: fewest open jobs first, then best rating, then lowest id."""
    return sorted((p for p in providers if eligible(p, ticket)),
                  key=lambda p: (p.open_jobs, -p.rating, p.id))
