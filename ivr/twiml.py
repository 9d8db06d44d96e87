"""Twilio Voice: the same menus as TwiML, one webhook per engine step, every request signed.

Register with `app.register_blueprint(bp, url_prefix="/twilio/voice")` and `init_app(app, …)`.
The engine state travels in the callback URL (`s=`), which Twilio signs along with the
form, so nobody without the auth token can forge or alter it.
"""
from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flask import Blueprint, Flask, Response, abort, current_app, request, send_file, url_for
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Enqueue, Gather, VoiceResponse
from werkzeug.middleware.proxy_fix import ProxyFix

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


@dataclass
class TwimlConfig:
    directory: IvrDirectory
    auth_token: str | None
    clock: Callable = utcnow
    recorded_dir: Path | None = None
    workflow_sid: str | None = None
    menus: dict = field(default_factory=dict)


def init_app(app: Flask, directory: IvrDirectory, auth_token: str | None, *,
             clock: Callable = utcnow, recorded_dir: str | Path | None = None,
             trusted_proxy_hops: int = 0, workflow_sid: str | None = None) -> None:
    """Give the blueprint its directory and token; trust `trusted_proxy_hops` proxies' headers."""
    menus = {name: load_builtin(name) for name in MENUS}
    app.extensions["ivr_twiml"] = TwimlConfig(directory, auth_token, clock,
                                              Path(recorded_dir) if recorded_dir else None,
                                              workflow_sid, menus)
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
    return render(engine.start(info))


@bp.post("/<menu>/step")
def step(menu: str) -> Response:
    engine = _engine(menu)
    try:
        state = decode_state(request.args.get("s", ""))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        fallback = State(menu=menu, linkedid=request.form.get("CallSid", ""))
        return render(engine.fault(fallback, f"unreadable state: {type(exc).__name__}"))
    state.caller = normalise_caller(request.form.get("From"))
    digits = request.form.get("Digits")
    return render(engine.resume(state, digits))


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
