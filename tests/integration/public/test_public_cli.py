"""The CLI issues an Open311 key once (stored hashed), revokes it, and files the fax inbox."""
from __future__ import annotations

import time

from click.testing import CliRunner

from callcenter.cli import main
from fax_files import generated_tiff


def test_a_key_issued_on_the_command_line_works_until_revoked(container, public_world, client, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", container.settings.database_url)
    out = CliRunner().invoke(main, ["open311-key", "issue", "随手拍", "--rate-limit", "10/minute"])
    assert out.exit_code == 0, out.output
    key = out.output.strip().splitlines()[-1]
    post = {"api_key": key, "service_code": "SD-REPAIR", "attribute[region]": "340202001",
            "address_string": "北京路1号", "description": "路灯不亮"}
    assert client.post("/open311/v2/requests.json", data=post).status_code == 201
    assert key not in CliRunner().invoke(main, ["open311-key", "list"]).output
    client_id = out.output.split()[1]
    assert CliRunner().invoke(main, ["open311-key", "revoke", client_id]).exit_code == 0
    assert client.post("/open311/v2/requests.json", data=post).status_code == 403


def test_a_bad_rate_limit_is_refused_clearly(container, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", container.settings.database_url)
    out = CliRunner().invoke(main, ["open311-key", "issue", "x", "--rate-limit", "lots"])
    assert out.exit_code != 0 and "rate limit" in out.output


def test_fax_inbox_once_files_what_is_there(container, public_world, monkeypatch, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.tif").write_bytes(generated_tiff("group4", pages=1))
    old = time.time() - 60
    import os
    os.utime(inbox / "a.tif", (old, old))
    monkeypatch.setenv("DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("CALLCENTER_INSTANCE", container.settings.instance_path)
    monkeypatch.setenv("FAX_INBOX", str(inbox))
    out = CliRunner().invoke(main, ["fax-inbox", "--once"])
    assert out.exit_code == 0 and "filed 1 faxes" in out.output
