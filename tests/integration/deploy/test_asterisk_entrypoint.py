"""deploy/asterisk/entrypoint.sh: secrets come from the environment, never from git."""
from __future__ import annotations

import os
import subprocess

from compose_files import REPO

SCRIPT = REPO / "deploy" / "asterisk" / "entrypoint.sh"


def _run(tmp_path, conf: str, **env):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "manager.conf").write_text(conf, encoding="utf-8")
    environ = dict(os.environ, ASTERISK_CONF_SRC=str(src), ASTERISK_CONF_DST=str(dst),
                   ASTERISK_BIN="true", **env)
    result = subprocess.run(["sh", str(SCRIPT)], env=environ, capture_output=True, text=True,
                            timeout=20)
    return result, dst / "manager.conf"


def test_placeholders_are_replaced_from_the_environment(tmp_path):
    secret = "s3cr|et&\\x"  # sed's special characters survive
    result, out = _run(tmp_path, "[@AMI_USERNAME@]\nsecret = @AMI_SECRET@\n",
                       AMI_USERNAME="bridge", AMI_SECRET=secret)
    assert result.returncode == 0, result.stderr
    assert out.read_text() == f"[bridge]\nsecret = {secret}\n"


def test_an_unknown_placeholder_stops_asterisk_from_starting(tmp_path):
    result, out = _run(tmp_path, "secret = @NOT_A_SETTING@\n")
    assert result.returncode == 1
    assert "@NOT_A_SETTING@" in result.stderr
    assert not out.exists()


def test_the_secret_never_appears_in_the_entrypoint_output(tmp_path):
    result, _ = _run(tmp_path, "secret = @AMI_SECRET@\n@OOPS@\n", AMI_SECRET="hunter2-xyz")
    assert "hunter2-xyz" not in result.stdout + result.stderr


def test_the_shipped_asterisk_conf_has_no_unknown_placeholder_and_no_secret(tmp_path):
    import re
    known = set(re.search(r'PLACEHOLDERS="([^"]+)"', SCRIPT.read_text()).group(1).split())
    for conf in (REPO / "asterisk_conf").glob("*.conf"):
        text = conf.read_text(encoding="utf-8", errors="replace")
        assert set(re.findall(r"@([A-Z_]+)@", text)) <= known, conf.name
        for line in text.splitlines():
            m = re.match(r"\s*(secret|password)\s*=\s*(\S+)", line)
            if m:
                assert m.group(2).startswith("@"), f"{conf.name}: a literal secret: {line!r}"
