"""docker-compose.yml, the Dockerfile and nginx.conf, checked as files (Docker cannot run here)."""
from __future__ import annotations

import re

import click
import pytest

from compose_files import (COMPOSE, REPO, app_services, env_example_names, interpolated_names,
                           load_compose, with_defaults)

def _command_of(service: dict) -> list[str]:
    command = service.get("command")
    return command if isinstance(command, list) else []


LONG_RUNNING_NEED_HEALTHCHECK = {"postgres", "redis", "web1", "web2", "nginx", "asterisk",
                                 "fastagi"}


def test_compose_file_is_valid_yaml_with_services():
    compose = load_compose()
    assert isinstance(compose, dict) and isinstance(compose.get("services"), dict)
    assert {"postgres", "redis", "asterisk", "nginx", "web1", "web2", "ami-bridge", "fastagi",
            "worker", "scheduler", "migrate"} <= set(compose["services"])


def test_every_service_has_an_image_or_a_build():
    for name, service in load_compose()["services"].items():
        assert service.get("image") or service.get("build"), f"service {name}: no image/build"


def test_public_images_are_pinned_to_a_version_not_latest():
    for name, service in load_compose()["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image}"


def test_every_file_the_compose_file_references_exists():
    compose = load_compose()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = with_defaults(volume).split(":", 1)[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"service {name} mounts missing {source}"
            else:
                assert source in compose["volumes"], f"service {name}: undeclared volume {source}"
        if "build" in service:
            assert (REPO / service["build"] / "Dockerfile").is_file()
        if service.get("env_file") == ".env":
            assert (REPO / ".env.example").is_file()


def test_depends_on_names_existing_services():
    services = load_compose()["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}) or {}:
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_long_running_services_have_health_checks():
    services = load_compose()["services"]
    for name in LONG_RUNNING_NEED_HEALTHCHECK:
        assert "healthcheck" in services[name], f"{name} has no healthcheck"


def test_data_lives_in_named_volumes():
    volumes = set(load_compose()["volumes"])
    assert {"pgdata", "redisdata", "instance", "recordings", "faxes"} <= volumes


def test_ami_port_is_not_published_outside_the_compose_network():
    for name, service in load_compose()["services"].items():
        for port in service.get("ports", []):
            assert "5038" not in with_defaults(str(port)), f"{name} publishes AMI"
            assert "4573" not in with_defaults(str(port)), f"{name} publishes FastAGI"


def test_every_variable_the_compose_file_interpolates_is_in_env_example():
    missing = interpolated_names(COMPOSE.read_text(encoding="utf-8")) - env_example_names()
    assert not missing, f"add to .env.example: {sorted(missing)}"


CLI_SERVICES = sorted(n for n, s in app_services(load_compose()).items()
                      if _command_of(s)[:1] == ["callcenter"])


@pytest.mark.parametrize("service_name", CLI_SERVICES)
def test_each_callcenter_command_in_compose_exists_with_its_options(service_name):
    from callcenter.cli import main
    argv = _command_of(load_compose()["services"][service_name])
    command, rest = main, argv[1:]
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        assert rest[0] in command.commands, \
            f"{service_name}: `{' '.join(argv)}` — no command {rest[0]!r} in callcenter's CLI"
        command, rest = command.commands[rest[0]], rest[1:]
    command.make_context(argv[0], list(rest))  # raises on an unknown option or argument


def test_dockerfile_is_slim_multi_stage_and_runs_as_non_root():
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert len(re.findall(r"^FROM ", text, re.M)) == 2
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and not users[-1].startswith(("root", "0"))
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for path in source.split():
            assert (REPO / path).exists(), f"Dockerfile copies missing {path}"


def test_dockerignore_keeps_secrets_and_tests_out_of_the_image():
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".git", "tests"} <= set(ignored)
