"""Core commands: serve, db, users, tokens, demo data."""
from __future__ import annotations

import click

commands: list[click.Command] = []
