"""The ticket life cycle (ARCHITECTURE.md §6): states, actions, and who may act where.

Pure: works on plain snapshots, so every rule is tested without a database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class TicketStatus(str, Enum):
    OPEN = "open"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    RESOLVED = "resolved"
    REVISITED = "revisited"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = TicketStatus
ALLOWED: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.OPEN: frozenset({S.DISPATCHED, S.RESOLVED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.RETURNED, S.OPEN}),
    S.ACCEPTED: frozenset({S.RESOLVED}),
    S.RETURNED: frozenset({S.DISPATCHED, S.RESOLVED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.REVISITED, S.OPEN}),
    S.REVISITED: frozenset({S.CLOSED, S.OPEN}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

STATUS_LABELS = {
    "zh": {S.OPEN: "已受理", S.DISPATCHED: "已派单", S.ACCEPTED: "办理中", S.RETURNED: "已退单",
           S.RESOLVED: "已办结", S.REVISITED: "已回访", S.CLOSED: "已归档", S.CANCELLED: "已撤销"},
    "en": {S.OPEN: "Open", S.DISPATCHED: "Dispatched", S.ACCEPTED: "Accepted",
           S.RETURNED: "Returned", S.RESOLVED: "Resolved", S.REVISITED: "Revisited",
           S.CLOSED: "Closed", S.CANCELLED: "Cancelled"},
}

CHANNELS = ("phone", "fax", "web", "sms", "walk_in", "open311")
TYPES = ("consult", "help", "complaint", "suggestion", "praise")
PRIORITIES = ("normal", "urgent")
STAFF = frozenset({"agent", "supervisor", "admin"})
TARGET_ROLES = frozenset({"merchant", "department"})


class Action(str, Enum):
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN = "return"
    RECALL = "recall"
    RESOLVE = "resolve"
    REVISIT = "revisit"
    REOPEN = "reopen"
    CLOSE = "close"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Rule:
    """One edge of the life cycle: which action, from where to where, by whom, needing what."""

    action: Action
    source: TicketStatus
    target: TicketStatus
    roles: frozenset[str]
    requires: tuple[str, ...] = ()


RULES: tuple[Rule, ...] = (
    Rule(Action.DISPATCH, S.OPEN, S.DISPATCHED, STAFF, ("target",)),
    Rule(Action.RESOLVE, S.OPEN, S.RESOLVED, STAFF, ("result",)),
    Rule(Action.CANCEL, S.OPEN, S.CANCELLED, STAFF, ("reason",)),
    Rule(Action.ACCEPT, S.DISPATCHED, S.ACCEPTED, TARGET_ROLES),
    Rule(Action.RETURN, S.DISPATCHED, S.RETURNED, TARGET_ROLES, ("reason",)),
    Rule(Action.RECALL, S.DISPATCHED, S.OPEN, STAFF, ("reason",)),
    Rule(Action.RESOLVE, S.ACCEPTED, S.RESOLVED, TARGET_ROLES | {"supervisor", "admin"}, ("result",)),
    Rule(Action.DISPATCH, S.RETURNED, S.DISPATCHED, STAFF, ("target",)),
    Rule(Action.RESOLVE, S.RETURNED, S.RESOLVED, STAFF, ("result",)),
    Rule(Action.CANCEL, S.RETURNED, S.CANCELLED, STAFF, ("reason",)),
    Rule(Action.REVISIT, S.RESOLVED, S.REVISITED, STAFF, ("score",)),
    Rule(Action.REOPEN, S.RESOLVED, S.OPEN, frozenset({"supervisor", "admin"}), ("reason",)),
    Rule(Action.CLOSE, S.REVISITED, S.CLOSED, STAFF),
    Rule(Action.REOPEN, S.REVISITED, S.OPEN, frozenset({"supervisor", "admin"}), ("reason",)),
)
_BY_KEY = {(r.action, r.source): r for r in RULES}
assert all(r.target in ALLOWED[r.source] for r in RULES)


class TicketError(Exception):
    code = "ticket_error"
    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransitionError(TicketError):
    code = "invalid_transition"
    status = 409


class ForbiddenError(TicketError):
    code = "forbidden"
    status = 403


class NotFoundError(TicketError):
    """Also raised for tickets outside the actor's scope: their existence is not revealed."""

    code = "not_found"
    status = 404


class ValidationError(TicketError):
    code = "invalid"
    status = 400


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str
    region_path: str
    department_id: int | None = None
    provider_id: int | None = None


@dataclass(frozen=True)
class TicketView:
    """What the rules need to know about a ticket."""

    status: TicketStatus
    region_path: str
    target_department_id: int | None = None
    target_provider_id: int | None = None


@dataclass(frozen=True)
class Decision:
    rule: Rule
    data: dict = field(default_factory=dict)


def in_region(actor_path: str, ticket_path: str) -> bool:
    return ticket_path.startswith(actor_path)


def can_see(actor: Actor, ticket: TicketView) -> bool:
    """Staff see their region subtree; partners see only tickets sent to them."""
    if actor.role in STAFF:
        return in_region(actor.region_path, ticket.region_path)
    if actor.role == "department":
        return actor.department_id is not None and ticket.target_department_id == actor.department_id
    if actor.role == "merchant":
        return actor.provider_id is not None and ticket.target_provider_id == actor.provider_id
    return False


def transition(current: TicketStatus, target: TicketStatus) -> TicketStatus:
    if target not in ALLOWED[current]:
        raise InvalidTransitionError(f"{current.value} → {target.value} is not allowed")
    return target


def decide(actor: Actor, ticket: TicketView, action: str, data: dict) -> Decision:
    """Check an action against state, role, scope and required data; return the rule to apply."""
    try:
        act = Action(action)
    except ValueError:
        raise ValidationError(f"unknown action {action!r}", "action") from None
    if not can_see(actor, ticket):
        raise NotFoundError("ticket not found")
    rule = _BY_KEY.get((act, ticket.status))
    if rule is None:
        raise InvalidTransitionError(f"cannot {act.value} a ticket that is {ticket.status.value}")
    if actor.role not in rule.roles:
        raise ForbiddenError(f"role {actor.role} may not {act.value} this ticket")
    return Decision(rule, _required(rule, data))


def _required(rule: Rule, data: dict) -> dict:
    clean: dict = {}
    for name in rule.requires:
        value = data.get(name)
        if name == "score":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise ValidationError("score must be an integer from 1 to 5", "score")
        elif name == "target":
            if not isinstance(value, dict) or value.get("kind") not in ("department", "provider") \
                    or not isinstance(value.get("id"), int):
                raise ValidationError('target must be {"kind": "department"|"provider", "id": int}',
                                      "target")
        else:
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"{name} is required", name)
            if len(value) > 4000:
                raise ValidationError(f"{name} is longer than 4000 characters", name)
            value = value.strip()
        clean[name] = value
    return clean
