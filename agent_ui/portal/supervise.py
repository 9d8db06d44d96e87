"""Supervisor pages: failed deliveries (retry, switch channel) and extension requests."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from agent_ui.portal.common import actor, kick, messaging, on_ticket_error, write
from agent_ui.portal.strings import t
from agent_ui.web import db, login_required
from callcenter.domain.tickets import TicketError, in_region
from callcenter.models import ExtensionRequest
from callcenter.services import deliveries
from callcenter.services.notifications import local_time
from callcenter.services.partner_actions import decide_extension

bp = Blueprint("supervise", __name__)
bp.register_error_handler(TicketError, on_ticket_error)
guard = login_required("supervisor", "admin")


@bp.get("/deliveries")
@guard
def failed_deliveries():
    rows = deliveries.list_deliveries(db(), actor(), request.args.get("state", "failed"))
    items = [dict(deliveries.delivery_dict(r), alternatives=_alternatives(r)) for r in rows]
    return render_template("portal/deliveries.html", t=t, items=items)


@bp.post("/deliveries/<int:delivery_id>/retry")
@guard
def retry(delivery_id: int):
    with write():
        deliveries.retry(db(), actor(), delivery_id)
    kick()
    return redirect(url_for("supervise.failed_deliveries"))


@bp.post("/deliveries/<int:delivery_id>/switch")
@guard
def switch(delivery_id: int):
    with write():
        deliveries.switch_channel(db(), actor(), delivery_id, request.form.get("channel", ""),
                                  messaging())
    kick()
    return redirect(url_for("supervise.failed_deliveries"))


@bp.get("/extensions")
@guard
def extensions():
    rows = db().scalars(select(ExtensionRequest).where(ExtensionRequest.state == "pending")
                        .order_by(ExtensionRequest.id)).all()
    items = [{"id": r.id, "number": r.ticket.number, "reason": r.reason,
              "target": r.dispatch.target.name, "current": local_time(r.current_deadline),
              "requested": local_time(r.requested_deadline)}
             for r in rows if in_region(actor().region_path, r.ticket.region_path)]
    return render_template("portal/extensions.html", t=t, items=items)


@bp.post("/extensions/<int:request_id>")
@guard
def decide(request_id: int):
    approve = request.form.get("decision") == "approve"
    with write():
        decide_extension(db(), actor(), request_id, approve, request.form.get("note", ""),
                         messaging())
    kick()
    return redirect(url_for("supervise.extensions"))


def _alternatives(row) -> list[str]:
    target = row.dispatch.target if row.dispatch else None
    kinds = [c.get("kind") for c in (target.channels if target else []) or []]
    return [k for k in dict.fromkeys(kinds) if k not in ("portal", row.channel)]
