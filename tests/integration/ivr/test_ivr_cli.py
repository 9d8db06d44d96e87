"""The IVR's commands: validate, prompts build (real espeak-ng and sox), fastagi."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

from click.testing import CliRunner

from callcenter.cli import main
from ivr.loader import MENUS_DIR
from ivr_asterisk_peer import AsteriskPeer, environment

CALLCENTER = Path(sys.executable).parent / "callcenter"


def test_validate_accepts_the_shipped_menus():
    result = CliRunner().invoke(main, ["ivr", "validate", str(MENUS_DIR / "hotline.yaml")])
    assert result.exit_code == 0 and "ok (" in result.output


def test_validate_prints_file_line_and_reason_and_fails(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("start: a\nprompts: {}\nnodes:\n  a:\n    kind: say\n    prompt: p\n"
                   "    next: b\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ivr", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:7: node 'a': next refers to unknown node 'b'" in result.output


def wav_format(path: Path) -> tuple[int, int, int]:
    with wave.open(str(path)) as w:
        assert w.getnframes() > 0
        return w.getframerate(), w.getnchannels(), w.getsampwidth()


def test_prompts_build_writes_8khz_mono_16bit_wav_for_every_prompt_and_language(tmp_path):
    out = tmp_path / "sounds"
    result = CliRunner().invoke(main, ["prompts", "build", "--out", str(out),
                                       "--menu", str(MENUS_DIR / "survey.yaml")])
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*/callcenter/survey/*.wav"))
    assert len(files) == 8  # 4 prompts × zh, en
    assert {wav_format(f) for f in files} == {(8000, 1, 2)}


def test_recorded_prompt_overrides_synthesis_and_is_converted(tmp_path):
    rec = tmp_path / "rec" / "zh" / "survey" / "survey_bye.wav"
    rec.parent.mkdir(parents=True)
    with wave.open(str(rec), "wb") as w:  # 44.1 kHz stereo, as a studio would deliver it
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(44100)
        w.writeframes(b"\x01\x00\x02\x00" * 44100)
    out = tmp_path / "sounds"
    result = CliRunner().invoke(main, ["prompts", "build", "--out", str(out), "--recorded",
                                       str(tmp_path / "rec"), "--menu",
                                       str(MENUS_DIR / "survey.yaml")])
    assert "7 synthesised, 1 from recordings" in result.output
    target = out / "zh" / "callcenter" / "survey" / "survey_bye.wav"
    assert wav_format(target) == (8000, 1, 2)
    with wave.open(str(target)) as w:
        assert abs(w.getnframes() - 8000) < 10  # one second, like the recording


def test_broken_recording_is_reported_and_the_prompt_is_still_synthesised(tmp_path):
    rec = tmp_path / "rec" / "en" / "survey" / "survey_ask.wav"
    rec.parent.mkdir(parents=True)
    rec.write_bytes(b"not audio at all")
    out = tmp_path / "sounds"
    result = CliRunner().invoke(main, ["prompts", "build", "--out", str(out), "--recorded",
                                       str(tmp_path / "rec"), "--menu",
                                       str(MENUS_DIR / "survey.yaml")])
    assert result.exit_code == 1 and "survey_ask.wav" in result.output
    assert wav_format(out / "en" / "callcenter" / "survey" / "survey_ask.wav") == (8000, 1, 2)


def test_fastagi_command_serves_calls_and_stops_on_sigterm(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, CALLCENTER_INSTANCE=str(tmp_path),
               IVR_CLOCK="2026-11-27T10:00:00+08:00")
    proc = subprocess.Popen([str(CALLCENTER), "fastagi", "--demo", "--bind", f"127.0.0.1:{port}"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                peer = AsteriskPeer(port)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        peer.send_env(environment())
        session = peer.run(["3"])
        peer.close()
        assert session.variables["CC_QUEUE"] == "complaint"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err.decode()
    assert b"13800138000" not in err  # logs carry call ids, not callers' numbers
