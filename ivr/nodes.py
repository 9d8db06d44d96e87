"""What each node kind does on entry and on the caller's input."""
from __future__ import annotations

from typing import TYPE_CHECKING, Union

from ivr.hours import is_open
from ivr.model import Node
from ivr.steps import Date, Digits, Gather, Hangup, Prompt, Queue, SetVar, State

if TYPE_CHECKING:
    from ivr.engine import Engine

Next = Union[str, Gather, Queue, Hangup]


def _gather(e: "Engine", node: Node, st: State, prompt_field: str = "prompt",
            max_digits: int = 1) -> Gather:
    return Gather(e.prompt(node.data[prompt_field], st), float(node.data.get("timeout", 5)),
                  max_digits, node.data.get("terminator") or "#")


def _retry(e: "Engine", node: Node, st: State, out: list, had_input: bool, limit: int,
           max_digits: int = 1, prompt_field: str = "prompt") -> Next:
    """Count a failed try; after `limit` failures go to the node's default (a person)."""
    st.tries += 1
    if st.tries > limit:
        return node.data["default"]
    if had_input and node.data.get("invalid_prompt"):
        out.append(e.prompt(node.data["invalid_prompt"], st))
    return _gather(e, node, st, prompt_field, max_digits)


def say_enter(e, node, st, out):
    out.append(e.prompt(node.data["prompt"], st))
    return node.data["next"]


def menu_enter(e, node, st, out):
    return _gather(e, node, st)


def menu_input(e, node, st, digits, out):
    options = node.data["options"]
    if digits and digits in options:
        st.path.append(digits)
        return options[digits]
    return _retry(e, node, st, out, bool(digits), int(node.data["retries"]))


def collect_enter(e, node, st, out):
    return _gather(e, node, st, max_digits=int(node.data["max"]))


def collect_input(e, node, st, digits, out):
    d = node.data
    if digits and digits.isdigit() and d["min"] <= len(digits) <= d["max"]:
        st.vars[d["var"]] = digits
        return d["next"]
    return _retry(e, node, st, out, bool(digits), int(d["retries"]), int(d["max"]))


def _speak_ticket(e, node, st, info, out):
    out += [e.prompt(node.data["status_prompt"], st), Digits(info.number)]
    name = f"status_{info.status}"
    if name in e.menu.prompts:
        text = info.status_text.get(st.lang) or e.menu.text(name, st.lang)
        out.append(Prompt(name, text))
    if info.deadline is not None and node.data.get("deadline_prompt"):
        out += [e.prompt(node.data["deadline_prompt"], st), Date(info.deadline)]


def lookup_enter(e, node, st, out):
    number = st.vars.get(node.data["var"], "")
    st.ticket = number
    info = e.directory.ticket_status(number) if number else None
    if info is None:
        return node.data["not_found"]
    if st.caller in info.phones or st.vars.get("verified_ticket") == number:
        _speak_ticket(e, node, st, info, out)
        return node.data["next"]
    return _gather(e, node, st, "verify_prompt", 4)


def lookup_input(e, node, st, digits, out):
    """Let the caller prove the ticket is theirs with the last 4 digits of its phone."""
    info = e.directory.ticket_status(st.ticket)
    if info is None:
        return node.data["not_found"]
    if digits and len(digits) == 4 and any(p.endswith(digits) for p in info.phones):
        st.vars["verified_ticket"] = st.ticket
        _speak_ticket(e, node, st, info, out)
        return node.data["next"]
    st.tries += 1
    if st.tries >= int(node.data["attempts"]):
        return node.data["default"]
    if node.data.get("wrong_prompt"):
        out.append(e.prompt(node.data["wrong_prompt"], st))
    return _gather(e, node, st, "verify_prompt", 4)


def hours_enter(e, node, st, out):
    d = node.data
    return d["open"] if is_open(e.clock(), d["opens"], d["closes"]) else d["closed"]


def language_enter(e, node, st, out):
    st.lang = node.data["lang"]
    out.append(SetVar("CHANNEL(language)", st.lang))
    return node.data["next"]


def set_enter(e, node, st, out):
    for name, value in node.data["vars"].items():
        st.vars[name] = str(value)
        out.append(SetVar(name, str(value)))
    return node.data["next"]


def queue_enter(e, node, st, out):
    d = node.data
    if d.get("prompt"):
        out.append(e.prompt(d["prompt"], st))
    return e.queue_end(st, d["queue"], int(d["priority"]), d["intent"])


def survey_enter(e, node, st, out):
    return _gather(e, node, st)


def survey_input(e, node, st, digits, out):
    if digits and digits in "12345" and len(digits) == 1:
        e.directory.record_survey(st.ticket or None, st.linkedid, int(digits))
        st.path.append(digits)
        out.append(SetVar("CC_SURVEY_SCORE", digits))  # for the dialplan's SurveyResult event
        return node.data["next"]
    return _retry(e, node, st, out, bool(digits), int(node.data["retries"]))


def hangup_enter(e, node, st, out):
    if node.data.get("prompt"):
        out.append(e.prompt(node.data["prompt"], st))
    return Hangup()


ENTER = {"say": say_enter, "menu": menu_enter, "collect": collect_enter,
         "lookup_ticket": lookup_enter, "hours": hours_enter, "language": language_enter,
         "set": set_enter, "queue": queue_enter, "survey": survey_enter, "hangup": hangup_enter}
ON_INPUT = {"menu": menu_input, "collect": collect_input, "lookup_ticket": lookup_input,
            "survey": survey_input}
