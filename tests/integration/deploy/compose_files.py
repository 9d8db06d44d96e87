"""Read the deployment files as Docker Compose would: YAML, `${VAR:-default}` interpolation."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
README = REPO / "README.md"
CODE_PACKAGES = ("callcenter", "agent_ui", "ivr", "integrations")

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ escapes.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
CODE_ENV = re.compile(
    r"""(?:environ|env)\.get\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]"""
    r"""|getenv\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def interpolated_names(text: str) -> set[str]:
    return {m.group(1) for m in INTERPOLATION.finditer(text)}


def with_defaults(value: str) -> str:
    """Replace each `${VAR:-default}` by its default (empty when there is none)."""
    def repl(m: re.Match) -> str:
        op, arg = m.group(2), m.group(3)
        return arg if op in (":-", "-") else ""
    return INTERPOLATION.sub(repl, value)


def env_example_names() -> set[str]:
    """Names assigned in .env.example, commented-out examples (`# NAME=`) included."""
    names = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]+)=", line)
        if m:
            names.add(m.group(1))
    return names


def readme_configuration_names() -> set[str]:
    """Every `NAME` in the first column of the README's configuration table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("|"):
            first = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
    return names


def variables_read_by_code() -> dict[str, Path]:
    """Environment variable names the application code reads, with one file reading each."""
    found: dict[str, Path] = {}
    for package in CODE_PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for m in CODE_ENV.finditer(path.read_text(encoding="utf-8")):
                found.setdefault(next(g for g in m.groups() if g), path)
    return found


def app_services(compose: dict) -> dict[str, dict]:
    """Services built from this repository's Dockerfile."""
    return {n: s for n, s in compose["services"].items() if "build" in s}
