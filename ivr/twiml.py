"""Twilio Voice: the same menus as TwiML, one webhook per engine step, every request signed.

Register with `app.register_blueprint(bp, url_prefix="/twilio/voice")` and `init_app(app, …)`.
The engine state travels in the callback URL (`s=`), which Twilio signs along with the
form, so nobody without the auth token can forge or alter it.

After hours there is no dialplan behind Twilio to take the message or the call-back
request (`CC_AFTER_HOURS`), so this adapter does what extensions.conf's `[after-hours]`
does: `<Record>` whose webhooks file the voicemail ticket, or the call-back request, both
through an AfterHoursDesk.
"""
from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, request, send_file, url_for
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Enqueue, Gather, VoiceResponse
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr.after_hours import AfterHoursDesk, RecordedMessage
from ivr.directory import IvrDirectory
from ivr.engine import Engine, utcnow
from ivr.hours import SHANGHAI
from ivr.loader import load_builtin
from ivr.phones import normalise_caller
from ivr.steps import CallInfo, Date, Digits, Number, Prompt, Queue, State, Step

log = logging.getLogger(__name__)
bp = Blueprint("twilio_voice", __name__)
SAY_LANGUAGE = {"zh": "zh-CN", "en": "en-US"}
MENUS = ("hotline", "survey")
AFTER_HOURS_VAR = "CC_AFTER_HOURS"  # set by the menu: voicemail | callback
MAX_MESSAGE_SECONDS = 180  # a message, not a conversation; Twilio's default would be an hour
SILENCE_SECONDS = 5  # silence that ends a message


@dataclass
class TwimlConfig:
    directory: IvrDirectory
    auth_token: str | None
    clock: Callable = utcnow
    recorded_dir: Path | None = None
    workflow_sid: str | None = None
    menus: dict = field(default_factory=dict)
    after_hours: AfterHoursDesk | None = None


def init_app(app: Flask, directory: IvrDirectory, auth_token: str | None, *,
             clock: Callable = utcnow, recorded_dir: str | Path | None = None,
             trusted_proxy_hops: int = 0, workflow_sid: str | None = None,
             after_hours: AfterHoursDesk | None = None) -> None:
    """Give the blueprint its directory, token and after-hours desk; trust
    `trusted_proxy_hops` proxies' headers."""
    menus = {name: load_builtin(name) for name in MENUS}
    app.extensions["ivr_twiml"] = TwimlConfig(directory, auth_token, clock,
                                              Path(recorded_dir) if recorded_dir else None,
                                              workflow_sid, menus, after_hours)
    if trusted_proxy_hops and not isinstance(app.wsgi_app, ProxyFix):
        hops = trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def _config() -> TwimlConfig:
    return current_app.extensions["ivr_twiml"]


@bp.before_request
def check_signature():
    """Reject (403) any request Twilio did not sign for exactly this URL."""
    if request.endpoint == "twilio_voice.prompt":
        return None
    token = _config().auth_token
    if not token:
        log.error("TWILIO_AUTH_TOKEN is not set: refusing Twilio webhooks")
        abort(403)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(token).validate(request.url, request.form, signature):
        log.warning("Twilio webhook with a bad signature for %s", request.path)
        abort(403)
    return None


def encode_state(state: State) -> str:
    data = state.to_dict()
    data.pop("caller", None)  # taken from Twilio's From on every request; keep it out of URLs
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_state(token: str) -> State:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return State.from_dict(json.loads(raw))


def _engine(menu: str) -> Engine:
    cfg = _config()
    if menu not in cfg.menus:
        abort(404)
    return Engine(cfg.menus[menu], cfg.directory, clock=cfg.clock)


@bp.post("/<menu>")
def start(menu: str) -> Response:
    engine = _engine(menu)
    info = CallInfo(request.form.get("From"), request.form.get("CallSid", ""),
                    ticket=request.args.get("ticket"))
    return respond(engine, engine.start(info))


def _state() -> tuple[State | None, str]:
    """The engine state carried in `s=`, or None and why it could not be read."""
    try:
        state = decode_state(request.args.get("s", ""))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        return None, f"unreadable state: {type(exc).__name__}"
    state.caller = normalise_caller(request.form.get("From"))
    return state, ""


@bp.post("/<menu>/step")
def step(menu: str) -> Response:
    engine = _engine(menu)
    state, why = _state()
    if state is None:
        return render(engine.fault(State(menu=menu, linkedid=request.form.get("CallSid", "")), why))
    return respond(engine, engine.resume(state, request.form.get("Digits")))


def respond(engine: Engine, step: Step) -> Response:
    """Render a step; an after-hours end is carried out here, as the dialplan would."""
    choice = step.state.vars.get(AFTER_HOURS_VAR) if isinstance(step.end, Queue) else None
    if choice and _config().after_hours is None:
        log.warning("call %s chose %s after hours, but no after-hours desk is configured: "
                    "enqueued instead", step.state.linkedid, choice)
    elif choice == "voicemail":
        return _record(step)
    elif choice == "callback":
        return _callback(engine, step)
    return render(step)


def _record(step: Step) -> Response:
    """`<Record>` the message; both of its webhooks file it (whichever Twilio sends first)."""
    st, vr = step.state, VoiceResponse()
    for action in step.actions:
        _speak(vr, action, st.menu, st.lang)
    _say_prompt(vr, "voicemail_intro", st)
    s = encode_state(st)
    vr.record(action=url_for("twilio_voice.message", menu=st.menu, s=s, _external=True),
              method="POST", max_length=MAX_MESSAGE_SECONDS, timeout=SILENCE_SECONDS,
              finish_on_key="#", play_beep=True,
              recording_status_callback=url_for("twilio_voice.recording", menu=st.menu, s=s,
                                                _external=True),
              recording_status_callback_method="POST",
              recording_status_callback_event="completed absent")
    vr.hangup()  # reached only when nothing was recorded: no message, as in the dialplan
    return Response(str(vr), mimetype="text/xml")


def _callback(engine: Engine, step: Step) -> Response:
    """File the call-back request now and say goodbye; if the store fails, a person answers."""
    st = step.state
    try:
        _config().after_hours.request_callback(st.linkedid, request.form.get("From", ""),
                                               st.resident_id)
    except Exception as exc:  # noqa: BLE001 — the caller must not be lost
        return render(engine.fault(st, exc))
    log.info("call %s: call-back requested after hours", st.linkedid)
    return _goodbye(st, "callback_noted")


@bp.post("/<menu>/message")
def message(menu: str) -> Response:
    """`<Record>`'s action: the caller finished the message (#, silence or the time limit)."""
    engine = _engine(menu)
    state, _ = _state()
    state = state or State(menu=menu, linkedid=request.form.get("CallSid", ""))
    try:
        number = _config().after_hours.leave_message(recorded_message(state))
    except Exception as exc:  # noqa: BLE001 — still on the line: a person takes the message
        return render(engine.fault(state, exc))
    log.info("call %s: after-hours message filed as ticket %s", state.linkedid,
             number or "(filed before)")
    return _goodbye(state, "voicemail_saved")


@bp.post("/<menu>/recording")
def recording(menu: str):
    """`<Record>`'s recording status callback: files the message if the action did not."""
    _engine(menu)
    status = request.form.get("RecordingStatus", "")
    if status == "absent":  # nothing was said: no message, as in the dialplan
        return "", 204
    if status not in ("completed", "failed"):
        return f"unexpected RecordingStatus {status!r}: expected completed, failed or absent\n", 400
    state, _ = _state()
    state = state or State(menu=menu, linkedid=request.form.get("CallSid", ""))
    try:
        _config().after_hours.leave_message(recorded_message(state, failed=status == "failed"))
    except Exception:  # noqa: BLE001 — Twilio keeps the recording; the log names it
        log.exception("call %s: after-hours message at %s not filed", state.linkedid,
                      request.form.get("RecordingUrl"))
        return "the ticket store is unavailable\n", 503
    return "", 204


def recorded_message(state: State, failed: bool = False) -> RecordedMessage:
    """The message Twilio reports in this request's form, for the call in `state`."""
    form = request.form
    url = form.get("RecordingUrl", "")
    parts = urlsplit(url)
    usable = parts.scheme in ("https", "http") and bool(parts.netloc) and not failed
    duration = form.get("RecordingDuration", "")
    missing = "" if usable else ("Twilio 录音失败" if failed else "Twilio 未给出有效的录音地址")
    return RecordedMessage(linkedid=form.get("CallSid") or state.linkedid,
                           caller=form.get("From", ""), resident_id=state.resident_id,
                           url=url if usable else "",
                           duration=int(duration) if duration.isdigit() else None,
                           missing=missing)


def _say_prompt(target, name: str, st: State) -> None:
    menu = _config().menus[st.menu]
    text = menu.text(name, st.lang)
    if text or _recorded(st.lang, st.menu, name):
        _speak(target, Prompt(name, text), st.menu, st.lang)


def _goodbye(st: State, prompt: str) -> Response:
    vr = VoiceResponse()
    _say_prompt(vr, prompt, st)
    vr.hangup()
    return Response(str(vr), mimetype="text/xml")


@bp.get("/prompts/<lang>/<menu>/<name>.wav")
def prompt(lang: str, menu: str, name: str):
    cfg = _config()
    known = menu in cfg.menus and name in cfg.menus[menu].prompts and lang in SAY_LANGUAGE
    path = _recorded(lang, menu, name) if known else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav")


def _recorded(lang: str, menu: str, name: str) -> Path | None:
    root = _config().recorded_dir
    path = root / lang / menu / f"{name}.wav" if root else None
    return path if path and path.is_file() else None


def _speak(target, action, menu: str, lang: str) -> None:
    language = SAY_LANGUAGE.get(lang, "zh-CN")
    if isinstance(action, Prompt):
        if _recorded(lang, menu, action.name):
            target.play(url_for("twilio_voice.prompt", lang=lang, menu=menu, name=action.name,
                                _external=True))
        else:
            target.say(action.text, language=language)
    elif isinstance(action, Digits):
        target.say(" ".join(action.value), language=language)
    elif isinstance(action, Number):
        target.say(str(action.value), language=language)
    elif isinstance(action, Date):
        when = action.value.astimezone(SHANGHAI)
        text = (f"{when.year}年{when.month}月{when.day}日{when.hour}点{when.minute:02d}分"
                if lang == "zh" else when.strftime("%d %B %Y, %H:%M"))
        target.say(text, language=language)


def render(step: Step) -> Response:
    """Turn one engine step into TwiML."""
    st, vr = step.state, VoiceResponse()
    for action in step.actions:
        _speak(vr, action, st.menu, st.lang)
    if step.gather is not None:
        url = url_for("twilio_voice.step", menu=st.menu, s=encode_state(st), _external=True)
        g = Gather(input="dtmf", num_digits=step.gather.max_digits, action=url, method="POST",
                   timeout=max(1, int(step.gather.timeout)),
                   finish_on_key=step.gather.terminator or "#")
        _speak(g, step.gather.prompt, st.menu, st.lang)
        vr.append(g)
        vr.redirect(url, method="POST")  # no key before the timeout: resume with no digits
    elif isinstance(step.end, Queue):
        vr.append(_enqueue(step.end.variables))
    else:
        vr.hangup()
    return Response(str(vr), mimetype="text/xml")


def _enqueue(variables: dict[str, str]) -> Enqueue:
    sid = _config().workflow_sid
    if not sid:
        return Enqueue(variables["CC_QUEUE"])
    enqueue = Enqueue(workflow_sid=sid)
    enqueue.task(json.dumps(variables, ensure_ascii=False),
                 priority=int(variables.get("CC_PRIORITY", "0")))
    return enqueue
