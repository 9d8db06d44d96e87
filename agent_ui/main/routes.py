"""The signed-in home page: who you are and the tickets in your scope."""
from __future__ import annotations

from flask import Blueprint, render_template

from agent_ui.web import current_user, db, login_required
from callcenter.services.accounts import actor_for
from callcenter.services.ticket_queries import TicketFilter, list_tickets, ticket_dict

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required()
def home():
    actor = actor_for(current_user())
    tickets, total = list_tickets(db(), actor, TicketFilter(per_page=20))
    rows = [ticket_dict(t, actor) for t in tickets]
    return render_template("main/home.html", tickets=rows, total=total)
