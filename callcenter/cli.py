"""The `callcenter` command: thin wrappers over bootstrap and the services."""
from __future__ import annotations

import importlib

import click

# Each adapter package contributes its own commands through a module exposing
# `commands: list[click.Command]`; listing them here keeps one entry point.
COMMAND_MODULES = [
    "callcenter.cli_core",
    "integrations.ami.cli",
    "ivr.cli",
    "callcenter.cli_records",
    "integrations.cli_jobs",
    "callcenter.cli_ops",
    "callcenter.cli_stats",
    "integrations.public_cli",
]


@click.group()
def main() -> None:
    """社区服务呼叫中心 — community service hotline."""
    from callcenter.ops.logs import configure_from_env
    configure_from_env()  # LOG_FORMAT=json: every process logs JSON without personal data


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        for command in module.commands:
            main.add_command(command)


_register()
