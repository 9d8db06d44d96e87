"""Static checks of asterisk_conf: the contexts and contracts the IVR and bridge rely on."""
from __future__ import annotations

import re
from pathlib import Path

CONF = Path(__file__).resolve().parents[3] / "asterisk_conf"
FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures"


def sections(text: str) -> set[str]:
    return set(re.findall(r"^\[([\w-]+)\]", text, re.M))


def dialplan() -> str:
    return (CONF / "extensions.conf").read_text(encoding="utf-8")


def test_every_goto_and_gosub_target_context_exists():
    text = dialplan()
    contexts = sections(text)
    targets = re.findall(r"(?:Goto|GotoIf)\([^)]*?\b([a-z][\w-]*),[\w$]+,\w+\)", text)
    targets += re.findall(r"hangup_handler_push\)=([\w-]+),", text)
    targets += [re.search(r"Queue\((?:[^,]*,){7}([\w-]+)\)", text).group(1)]
    assert targets and set(targets) <= contexts, set(targets) - contexts


def test_pjsip_endpoint_contexts_exist_in_the_dialplan():
    pjsip = (CONF / "pjsip.conf").read_text(encoding="utf-8")
    assert set(re.findall(r"^context = ([\w-]+)", pjsip, re.M)) <= sections(dialplan())


def test_hotline_runs_the_fastagi_route_then_queues_with_the_ivr_priority():
    text = dialplan()
    assert "AGI(agi://${IVR_HOST}/hotline)" in text
    assert "Set(QUEUE_PRIO=${CC_PRIORITY})" in text and "Queue(${CC_QUEUE}," in text
    assert text.index("/hotline)") < text.index("QUEUE_PRIO") < text.index("Queue(${CC_QUEUE}")


def test_ivr_failure_falls_back_to_the_default_queue_and_a_person():
    text = dialplan()
    assert '$["${CC_QUEUE}" = ""]?hotline:${CC_QUEUE}' in text
    assert 'ExecIf($["${CC_QUEUE}" = ""]?Set(CC_INTENT=agent))' in text


def test_fax_event_carries_the_fields_of_the_recorded_one():
    text = dialplan()
    assert "ReceiveFAX(${FAX_SPOOL}/${UNIQUEID}.tif)" in text
    ours = re.search(r"UserEvent\(FaxReceived,([^\n]*)\)\n", text).group(1)
    recorded = (FIXTURES / "ami" / "fax.ami.txt").read_text(encoding="utf-8", errors="replace")
    appdata = re.search(r"AppData: FaxReceived,([^\r\n]*)", recorded).group(1)
    field_names = lambda s: [f.split(":")[0].strip() for f in s.split(",")]  # noqa: E731
    assert field_names(ours) == field_names(appdata)


def test_queue_calls_are_recorded_with_mixmonitor_while_bridged():
    assert re.search(r"MixMonitor\(\$\{RECORDINGS\}/.*\$\{CHANNEL\(linkedid\)\}\.wav,b\)", dialplan())


def test_pjsip_holds_placeholders_not_secrets():
    pjsip = (CONF / "pjsip.conf").read_text(encoding="utf-8")
    passwords = re.findall(r"^password = (.*)$", pjsip, re.M)
    assert len(passwords) == 4 and all(p.startswith("CHANGE_ME_") for p in passwords)
    assert {"8001", "8002", "8003", "trunk"} <= sections(pjsip)
