"""Load a menu from YAML, keeping each value's line so every error can point at it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ivr.hours import parse_clock
from ivr.model import (DIGIT_KEYS, INTENTS, KINDS, LANGUAGES, CONTRACT_VARS, Menu,
                       MenuError, MenuInvalidError, Node)
from ivr.validate import validate_menu

MENUS_DIR = Path(__file__).resolve().parent / "menus"
TOP_LEVEL = {"name", "start", "languages", "default_language", "default_queue", "care",
             "on_fault", "prompts", "nodes"}


def _plain(node: yaml.Node, where: str, lines: dict[str, int], errors: list[str]) -> Any:
    """Turn a composed YAML node into Python values, recording the line of every key."""
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{where}.{key}" if where else key
            if key in out:
                errors.append(f"{key_node.start_mark.line + 1}:duplicate key {key!r}")
            out[key] = _plain(value_node, child, lines, errors)
            lines[child] = key_node.start_mark.line + 1  # point at the key, not its value
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, f"{where}[{i}]", lines, errors) for i, v in enumerate(node.value)]
    return yaml.constructor.SafeConstructor().construct_object(node)


class _Builder:
    """Check the file's structure field by field and build the Menu."""

    def __init__(self, file: str, data: Any, lines: dict[str, int]):
        self.file, self.data, self.lines = file, data, lines
        self.errors: list[MenuError] = []

    def error(self, where: str, reason: str) -> None:
        line = self.lines.get(where) or self.lines.get(where.rsplit(".", 1)[0]) or 1
        self.errors.append(MenuError(self.file, line, reason))

    def build(self) -> Menu | None:
        d = self.data
        if not isinstance(d, dict):
            self.error("", "a menu file must be a mapping with 'nodes' and 'prompts'")
            return None
        for key in sorted(set(d) - TOP_LEVEL):
            self.error(key, f"unknown top-level key {key!r}")
        languages = tuple(d.get("languages") or LANGUAGES)
        for lang in languages:
            if lang not in LANGUAGES:
                self.error("languages", f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
        care = d.get("care") or {}
        nodes = self.nodes(d.get("nodes"), languages)
        menu = Menu(
            name=str(d.get("name") or Path(self.file).stem), file=self.file,
            start=str(d.get("start", "")), nodes=nodes, prompts=self.prompts(d.get("prompts")),
            languages=languages, default_language=str(d.get("default_language", "zh")),
            default_queue=str(d.get("default_queue", "hotline")),
            care_tags=tuple(care.get("tags") or ()), care_queue=str(care.get("queue", "care")),
            care_priority=care.get("priority", 9), on_fault=str(d.get("on_fault", "queue")),
            lines=self.lines)
        if menu.start not in nodes:
            self.error("start" if "start" in d else "", f"start node {menu.start!r} is not defined")
        if menu.on_fault not in ("queue", "hangup"):
            self.error("on_fault", "on_fault must be 'queue' or 'hangup'")
        if not (isinstance(menu.care_priority, int) and 0 <= menu.care_priority <= 10):
            self.error("care.priority", "care priority must be an integer 0–10")
        return menu

    def prompts(self, raw: Any) -> dict[str, dict[str, str]]:
        if not isinstance(raw, dict):
            self.error("prompts", "'prompts' must map prompt names to {zh: …, en: …}")
            return {}
        out = {}
        for name, texts in raw.items():
            if not isinstance(texts, dict):
                self.error(f"prompts.{name}", f"prompt {name!r} must map languages to text")
                continue
            out[name] = {str(k): str(v) for k, v in texts.items() if v is not None}
        return out

    def nodes(self, raw: Any, languages: tuple[str, ...]) -> dict[str, Node]:
        if not isinstance(raw, dict) or not raw:
            self.error("nodes", "'nodes' must map node ids to node definitions")
            return {}
        out = {}
        for node_id, body in raw.items():
            node = self.node(str(node_id), body, languages)
            if node:
                out[node.id] = node
        return out

    def node(self, node_id: str, body: Any, languages: tuple[str, ...]) -> Node | None:
        where = f"nodes.{node_id}"
        if not isinstance(body, dict) or body.get("kind") not in KINDS:
            kind = body.get("kind") if isinstance(body, dict) else None
            self.error(where, f"node {node_id!r}: kind {kind!r} is not one of "
                       f"{', '.join(KINDS)}")
            return None
        kind = body["kind"]
        required, optional = KINDS[kind]
        for missing in sorted(required - set(body)):
            self.error(where, f"node {node_id!r} ({kind}) needs {missing!r}")
        for extra in sorted(set(body) - required - set(optional) - {"kind"}):
            self.error(f"{where}.{extra}", f"node {node_id!r} ({kind}) has unknown field {extra!r}")
        data = {**optional, **body}
        lines = {k[len(where) + 1:]: v for k, v in self.lines.items() if k.startswith(where + ".")}
        node = Node(node_id, kind, data, self.lines.get(where, 1), lines)
        self.check_fields(node, where, languages)
        return node

    def check_fields(self, node: Node, where: str, languages: tuple[str, ...]) -> None:
        for num in ("timeout", "retries", "min", "max", "attempts", "priority"):
            value = node.data.get(num)
            if num in node.data and not (isinstance(value, (int, float)) and value >= 0):
                self.error(f"{where}.{num}", f"node {node.id!r}: {num} must be a number ≥ 0")
        check = getattr(self, f"check_{node.kind}", None)
        if check:
            check(node, node.data, where, node.id, languages)

    def check_menu(self, node, d, where, name, languages) -> None:
        options = d.get("options")
        if not isinstance(options, dict) or not options:
            self.error(f"{where}.options", f"menu {name!r} needs at least one option")
            return
        d["options"] = {str(k): v for k, v in options.items()}
        for key in d["options"]:
            if len(key) != 1 or key not in DIGIT_KEYS:
                self.error(f"{where}.options.{key}", f"menu {name!r}: option {key!r} is not a "
                           "single key 0-9, * or #")

    def check_collect(self, node, d, where, name, languages) -> None:
        if d.get("terminator") not in ("#", "", None):
            self.error(f"{where}.terminator", f"collect {name!r}: terminator must be '#' "
                       "(Asterisk's GET DATA ends on # only) or empty")
        if isinstance(d.get("min"), int) and isinstance(d.get("max"), int) and d["min"] > d["max"]:
            self.error(f"{where}.min", f"collect {name!r}: min is larger than max")

    def check_queue(self, node, d, where, name, languages) -> None:
        if not (isinstance(d.get("priority"), int) and 0 <= d["priority"] <= 10):
            self.error(f"{where}.priority", f"queue {name!r}: priority must be 0–10")
        if d.get("intent") not in INTENTS:
            self.error(f"{where}.intent", f"queue {name!r}: intent must be one of "
                       f"{', '.join(INTENTS)}")

    def check_language(self, node, d, where, name, languages) -> None:
        if d.get("lang") not in languages:
            self.error(f"{where}.lang", f"language {name!r}: {d.get('lang')!r} is not one of "
                       f"the menu's languages {', '.join(languages)}")

    def check_hours(self, node, d, where, name, languages) -> None:
        for key in ("opens", "closes"):
            try:
                d[key] = parse_clock(d.get(key))
            except ValueError as exc:
                self.error(f"{where}.{key}", f"hours {name!r}: {key}: {exc}")

    def check_set(self, node, d, where, name, languages) -> None:
        if not isinstance(d.get("vars"), dict):
            self.error(f"{where}.vars", f"set {name!r}: vars must be a mapping")
            return
        for var in d["vars"]:
            if var in CONTRACT_VARS:
                self.error(f"{where}.vars.{var}", f"set {name!r}: {var} is set by the queue "
                           "node (ARCHITECTURE.md §5), not by hand")


def _compose(text: str) -> yaml.Node | None:
    """Compose with libyaml when PyYAML has it (~10 ms less of each classic AGI call's
    start-up); text it rejects is composed again by the pure-Python loader, so an error
    reads the same with or without libyaml."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_menu(text: str, file: str = "<menu>") -> tuple[Menu | None, list[MenuError]]:
    """Parse menu text into a Menu and the structural errors found (graph checks are separate)."""
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return None, [MenuError(file, line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    lines: dict[str, int] = {}
    dupes: list[str] = []
    data = _plain(root, "", lines, dupes) if root is not None else None
    builder = _Builder(file, data, lines)
    for dupe in dupes:
        line, _, reason = dupe.partition(":")
        builder.errors.append(MenuError(file, int(line), reason))
    return builder.build(), builder.errors


def load_menu(path: str | Path) -> Menu:
    """Load and validate a menu file; raise MenuInvalidError listing every problem."""
    path = Path(path)
    menu, errors = parse_menu(path.read_text(encoding="utf-8"), str(path))
    if menu is not None:
        errors += validate_menu(menu)
    if errors:
        raise MenuInvalidError(sorted(errors, key=lambda e: e.line))
    return menu


def load_builtin(name: str) -> Menu:
    """Load one of the menus shipped in ivr/menus/ by name (hotline, survey)."""
    return load_menu(MENUS_DIR / f"{name}.yaml")
