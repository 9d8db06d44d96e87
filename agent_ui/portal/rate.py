"""The rating link sent to residents by SMS: no log-in, the signed link is the key."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from agent_ui.portal.common import write
from agent_ui.portal.strings import t
from agent_ui.web import container, db
from callcenter.domain.tickets import TicketError, ValidationError
from callcenter.services.revisit import record_survey, verify_token

bp = Blueprint("rate", __name__)


@bp.route("/rate/<token>", methods=["GET", "POST"])
def rate(token: str):
    number = verify_token(container().extras["dispatcher"].messaging.secret_key, token)
    if number is None:
        return render_template("portal/rate.html", t=t, state="bad"), 404
    if request.method == "GET":
        return render_template("portal/rate.html", t=t, state="ask", number=number)
    try:
        score = int(request.form.get("score", ""))
        with write():
            record_survey(db(), number, score, "sms", events=container().events)
    except ValueError:
        return render_template("portal/rate.html", t=t, state="ask", number=number), 400
    except ValidationError:
        return render_template("portal/rate.html", t=t, state="ask", number=number), 400
    except TicketError:
        return render_template("portal/rate.html", t=t, state="done", number=number), 409
    return render_template("portal/rate.html", t=t, state="thanks", number=number)
