"""Who may see which personal field of a resident, in full or masked (ARCHITECTURE.md §7).

Every view starts masked; a full value is shown only on request, only to the roles
below, and the service writes an audit entry for each such view.
"""
from __future__ import annotations

from callcenter.domain import idcard, phones

# Field → roles allowed to reveal the full value (each reveal is audited).
REVEAL: dict[str, frozenset[str]] = {
    "phone": frozenset({"agent", "supervisor", "admin"}),  # agents call residents back
    "id_number": frozenset({"supervisor", "admin"}),       # needed for subsidy checks only
}
# Roles that may read resident records at all (scoped to their region subtree).
READERS = frozenset({"agent", "supervisor", "admin"})
# Roles that may change records, import and export.
EDITORS = frozenset({"supervisor", "admin"})
EXPORTERS = frozenset({"supervisor", "admin"})


def can_reveal(role: str, field: str) -> bool:
    return role in REVEAL.get(field, frozenset())


def masked_phone(e164: str | None) -> str:
    return phones.mask(e164)


def masked_id(role: str, value: str | None) -> str | None:
    """Merchants (and anyone outside the staff roles) never see any part of an ID number."""
    if role not in READERS and role != "department":
        return None
    return idcard.mask(value)
