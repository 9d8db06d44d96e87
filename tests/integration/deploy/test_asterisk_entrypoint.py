"""deploy/asterisk/entrypoint.sh fills asterisk_conf/'s placeholders from the environment for
the compose network, and refuses to start Asterisk while a secret is missing."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

from compose_files import REPO

SCRIPT = REPO / "deploy" / "asterisk" / "entrypoint.sh"
CONF = REPO / "asterisk_conf"
ENV = {"AMI_SECRET": "ami|s3cr&t\\x", "AMI_BINDADDR": "172.18.0.5", "AMI_PERMIT": "172.18.0.0/16",
       "SIP_AGENT_SECRET": "phone-secret-1", "SIP_TRUNK_HOST": "sip.carrier.example",
       "SIP_TRUNK_USERNAME": "trunkuser", "SIP_TRUNK_SECRET": "trunk-secret-2",
       "FASTAGI_HOST": "fastagi"}


def _run(tmp_path, **env):
    src, dst = tmp_path / "src", tmp_path / "dst"
    shutil.copytree(CONF, src)
    environ = {k: v for k, v in os.environ.items() if k not in ENV}
    environ.update(ASTERISK_CONF_SRC=str(src), ASTERISK_CONF_DST=str(dst), ASTERISK_BIN="true",
                   FAX_SPOOL=str(tmp_path / "fax"), RECORDINGS_PATH=str(tmp_path / "rec"), **env)
    result = subprocess.run(["sh", str(SCRIPT)], env=environ, capture_output=True, text=True,
                            timeout=20)
    return result, dst


def _value(text: str, key: str) -> list[str]:
    return [m.strip() for m in re.findall(rf"^{key}\s*=\s*([^;\n]*)", text, re.M)]


def test_ami_gets_the_secret_the_container_address_and_the_network_permit(tmp_path):
    result, dst = _run(tmp_path, **ENV)
    assert result.returncode == 0, result.stderr
    manager = (dst / "manager.conf").read_text()
    assert _value(manager, "secret") == [ENV["AMI_SECRET"]]
    assert _value(manager, "bindaddr") == ["172.18.0.5"]
    assert _value(manager, "permit") == ["172.18.0.0/16"]


def test_phones_and_trunk_get_their_secrets_and_the_dialplan_the_ivr_host(tmp_path):
    result, dst = _run(tmp_path, **ENV, SIP_SECRET_8002="only-8002")
    assert result.returncode == 0, result.stderr
    pjsip = re.sub(r";.*", "", (dst / "pjsip.conf").read_text())
    assert "CHANGE_ME" not in pjsip and "only-8002" in pjsip
    assert "phone-secret-1" in pjsip and "trunk-secret-2" in pjsip
    extensions = (dst / "extensions.conf").read_text()
    assert _value(extensions, "IVR_HOST") == ["fastagi:4573"]
    assert _value(extensions, "FAX_SPOOL") == [str(tmp_path / "fax")]


def test_a_missing_secret_stops_asterisk_from_starting_without_printing_secrets(tmp_path):
    env = {k: v for k, v in ENV.items() if k != "AMI_SECRET"}
    result, _ = _run(tmp_path, **env)
    assert result.returncode == 1
    assert "CHANGE-ME-AT-DEPLOY" in result.stderr
    assert not any(v in result.stdout + result.stderr for v in env.values() if len(v) > 8)


def test_the_shipped_asterisk_conf_holds_placeholders_not_secrets():
    for conf in CONF.glob("*.conf"):
        for line in conf.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(secret|password)\s*=\s*(\S+)", line)
            if m:
                assert re.match(r"CHANGE[-_]ME", m.group(2)), f"{conf.name}: {line!r}"
