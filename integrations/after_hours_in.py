"""After-hours events from the AMI bridge → callcenter.services.after_hours.

The bridge publishes `call.voicemail`, `call.callback_requested` and `call.survey` (payloads:
docs/ivr.md). Embedded (`callcenter serve`), `start` subscribes to the in-process bus and
handles them on a thread of their own; with a separate `callcenter ami-bridge`, the same
handlers run as RQ jobs (integrations/intake_jobs.py). Reading the recording happens here:
the PBX's path if this host can read it (a shared spool), else the ticket says it is missing.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable

from callcenter.bootstrap import Container
from callcenter.services import after_hours as svc

log = logging.getLogger(__name__)
MAX_RECORDING = 50 * 1024 * 1024  # an hour of 8 kHz WAV is 57 MB; VoiceMail's maxsecs is far less
# app_voicemail names the message without its format (VM_MESSAGEFILE); voicemail.conf's
# `format=` decides which files exist next to it.
SUFFIXES = ("", ".wav", ".WAV", ".gsm", ".wav49", ".mp3", ".ogg")


def read_recording(file: str | None) -> tuple[bytes | None, str, str]:
    """(bytes, file name, "") or (None, "", why not) for the dialplan's voicemail file."""
    if not file:
        return None, "", "事件未给出录音文件名"
    for suffix in SUFFIXES:
        path = Path(file + suffix)
        try:
            if path.is_file():
                if path.stat().st_size > MAX_RECORDING:
                    return None, "", f"录音文件过大：{path}"
                return path.read_bytes(), path.name, ""
        except OSError as exc:
            return None, "", f"录音文件无法读取：{path}（{exc.strerror or exc}）"
    return None, "", f"找不到录音文件 {file}"


def duration_of(file: str | None) -> int | None:
    """Seconds from app_voicemail's `<message>.txt` (`duration=N`), when it is readable."""
    if not file:
        return None
    try:
        lines = Path(file + ".txt").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() == "duration" and value.strip().isdigit():
            return int(value.strip())
    return None


def file_voicemail(container: Container, payload: dict[str, Any]) -> str | None:
    """File the voicemail of `payload` (a `call.voicemail` event); its ticket number, or None
    when this call's voicemail was filed before."""
    file = _s(payload.get("file"))
    audio, name, missing = read_recording(file)
    duration = payload.get("duration")
    vm = svc.Voicemail(linkedid=_s(payload.get("linkedid")), caller_id=_s(payload.get("caller_id")),
                       mailbox=_s(payload.get("mailbox")), file=file,
                       resident_id=_s(payload.get("resident_id")),
                       duration=duration if isinstance(duration, int) else duration_of(file),
                       audio=audio, audio_name=name, missing=missing)
    with container.sessions.begin() as session:
        ticket = svc.file_voicemail(session, vm, container.settings.instance_path,
                                    events=container.events)
        number = ticket.number if ticket is not None else None
    log.info("voicemail of call %s: ticket %s (recording %s)", vm.linkedid, number,
             "attached" if audio is not None else "missing")
    return number


def request_callback(container: Container, payload: dict[str, Any]) -> int:
    """Put a `call.callback_requested` call on the missed-call work list; the call record id."""
    req = svc.CallbackRequest(linkedid=_s(payload.get("linkedid")),
                              caller_id=_s(payload.get("caller_id")),
                              queue=payload.get("queue") or None,
                              resident_id=_s(payload.get("resident_id")))
    with container.sessions.begin() as session:
        row_id = svc.request_callback(session, req).id
    log.info("call-back requested on call %s (call record %s)", req.linkedid, row_id)
    return row_id


def record_survey(container: Container, payload: dict[str, Any]) -> bool:
    """Store a `call.survey` score on its ticket (idempotent: the IVR may have stored it)."""
    score = payload.get("score")
    with container.sessions.begin() as session:
        return svc.record_survey_result(session, payload.get("ticket") or None,
                                        _s(payload.get("linkedid")),
                                        score if isinstance(score, int) else None,
                                        events=container.events)


HANDLERS: dict[str, Callable[[Container, dict[str, Any]], object]] = {
    "call.voicemail": file_voicemail,
    "call.callback_requested": request_callback,
    "call.survey": record_survey,
}


def on_event(container: Container, name: str, payload: dict[str, Any], room: str | None = None):
    """Subscriber for the event bus: run the handler of an after-hours event, if any."""
    handler = HANDLERS.get(name)
    return handler(container, payload) if handler is not None else None


def start(container: Container, *, with_fax: bool = False) -> Callable[[], None]:
    """Handle the in-process bus's after-hours events (and, `with_fax`, the faxes of
    `call.ended`) on one thread, never the bridge's; returns the stopper."""
    from concurrent.futures import ThreadPoolExecutor

    from callcenter.ports import InProcessEvents

    pool = ThreadPoolExecutor(1, thread_name_prefix="after-hours")
    seen: set[tuple[str, str]] = set()  # one event reaches several rooms: handle it once
    lock = threading.Lock()

    def run(name: str, payload: dict[str, Any]) -> None:
        try:
            if name == "call.ended":
                from integrations import fax_in
                fax_in.on_event(container, name, payload)
            else:
                on_event(container, name, payload)
        except Exception:  # noqa: BLE001 - logged with the call id; the PBX keeps the file
            log.exception("after-hours event %s of call %s failed", name, payload.get("linkedid"))

    def subscriber(name: str, payload: dict[str, Any], room: str | None) -> None:
        wanted = name in HANDLERS or (with_fax and name == "call.ended" and payload.get("fax"))
        if not wanted:
            return
        key = (name, str(payload.get("linkedid")))
        with lock:
            if key in seen:
                return
            if len(seen) >= 100_000:
                seen.clear()
            seen.add(key)
        pool.submit(run, name, payload)

    if isinstance(container.events, InProcessEvents):
        container.events.subscribe(subscriber)
    return lambda: pool.shutdown(wait=True)


def _s(value: object) -> str:
    return str(value).strip() if value is not None else ""
