"""Build every prompt as an 8 kHz mono 16-bit WAV for Asterisk: recorded if present, else espeak-ng.

Layout (Asterisk picks the folder by the channel's language):
    <out>/<lang>/callcenter/<menu>/<prompt>.wav
A recording at <recorded>/<lang>/<menu>/<prompt>.wav (any format sox reads) wins.
Needs Debian's `espeak-ng` and `sox`.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ivr.model import Menu

VOICES = {"zh": "cmn", "en": "en-us"}
MANIFEST = ".callcenter-prompts.json"


class PromptToolError(Exception):
    """Raised when espeak-ng or sox is missing."""

    code = "ivr_prompt_tools_missing"


@dataclass
class BuildReport:
    synthesised: list[Path] = field(default_factory=list)
    recorded: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _tools() -> tuple[str, str]:
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if not espeak or not sox:
        raise PromptToolError("prompts build needs espeak-ng and sox: "
                              "apt-get install espeak-ng sox")
    return espeak, sox


def _to_asterisk_wav(sox: str, source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp.wav")
    subprocess.run([sox, str(source), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                    str(tmp)], check=True, capture_output=True, timeout=60)
    tmp.replace(target)  # atomic: Asterisk never plays a half-written file


def _synthesise(espeak: str, sox: str, text: str, lang: str, target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="cc-prompt-") as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run([espeak, "-v", VOICES[lang], "-w", str(raw), text], check=True,
                       capture_output=True, timeout=60)
        _to_asterisk_wav(sox, raw, target)


def _jobs(menus: list[Menu], out: Path, recorded: Path | None):
    for menu in menus:
        for name, texts in sorted(menu.prompts.items()):
            for lang in menu.languages:
                target = out / lang / "callcenter" / menu.name / f"{name}.wav"
                source = recorded / lang / menu.name / f"{name}.wav" if recorded else None
                yield target, texts.get(lang, ""), lang, source if source and source.is_file() \
                    else None


def _fingerprint(text: str, lang: str, source: Path | None) -> str:
    key = f"{VOICES[lang]}\0{text}"
    if source:
        key = f"recorded\0{hashlib.sha256(source.read_bytes()).hexdigest()}"
    return hashlib.sha256(key.encode()).hexdigest()


def build_prompts(menus: list[Menu], out: Path, recorded: Path | None = None,
                  workers: int = 4) -> BuildReport:
    """Write every prompt of `menus`; skip files whose text (or recording) has not changed."""
    espeak, sox = _tools()
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    report = BuildReport()

    def one(job):
        target, text, lang, source = job
        key, fp = str(target.relative_to(out)), _fingerprint(text, lang, source)
        if manifest.get(key) == fp and target.is_file():
            return report.unchanged.append(target)
        try:
            if source:
                _to_asterisk_wav(sox, source, target)
                report.recorded.append(target)
            else:
                _synthesise(espeak, sox, text, lang, target)
                report.synthesised.append(target)
            manifest[key] = fp
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            stderr = getattr(exc, "stderr", b"") or b""
            report.errors.append(f"{source or key}: {stderr.decode(errors='replace').strip()}")
            if source:  # a broken recording must not leave the prompt silent
                _synthesise(espeak, sox, text, lang, target)
                report.synthesised.append(target)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, _jobs(menus, out, recorded)))
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return report
