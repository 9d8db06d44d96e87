"""The menu as data: nodes of a few kinds, prompts in every language, and errors that point at a line."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("zh", "en")
INTENTS = ("service", "consult", "complaint", "status", "agent")
CONTRACT_VARS = ("CC_QUEUE", "CC_PRIORITY", "CC_LANG", "CC_RESIDENT_ID", "CC_INTENT",
                 "CC_TICKET", "CC_IVR_PATH")
DIGIT_KEYS = set("0123456789*#")

# Fields a node may carry, per kind: (required, optional-with-default).
KINDS: dict[str, tuple[set[str], dict[str, Any]]] = {
    "say": ({"prompt", "next"}, {}),
    "menu": ({"prompt", "options", "default"},
             {"timeout": 5, "retries": 2, "invalid_prompt": None}),
    "collect": ({"prompt", "var", "next", "default"},
                {"min": 1, "max": 20, "terminator": "#", "timeout": 8, "retries": 2,
                 "invalid_prompt": None}),
    "lookup_ticket": ({"var", "next", "not_found", "default", "status_prompt", "verify_prompt"},
                      {"deadline_prompt": None, "wrong_prompt": None, "attempts": 3,
                       "timeout": 8}),
    "hours": ({"opens", "closes", "open", "closed"}, {}),
    "language": ({"lang", "next"}, {}),
    "set": ({"vars", "next"}, {}),
    "queue": ({"queue"}, {"priority": 0, "intent": "service", "prompt": None}),
    "survey": ({"prompt", "next", "default"},
               {"timeout": 6, "retries": 2, "invalid_prompt": None}),
    "hangup": (set(), {"prompt": None}),
}
TARGET_FIELDS = ("next", "default", "open", "closed", "not_found")
PROMPT_FIELDS = ("prompt", "invalid_prompt", "status_prompt", "verify_prompt",
                 "deadline_prompt", "wrong_prompt")
INPUT_KINDS = {"menu", "collect", "survey"}
# Prompts the engine speaks by status code when a menu has a lookup_ticket node.
TICKET_STATUSES = ("open", "dispatched", "accepted", "returned", "resolved", "revisited",
                   "closed", "cancelled")


@dataclass(frozen=True)
class MenuError:
    """One reason a menu file is rejected, with where it is."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class MenuInvalidError(Exception):
    """Raised when a menu file does not load or validate; carries every error found."""

    code = "ivr_menu_invalid"

    def __init__(self, errors: list[MenuError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Node:
    """One step of the menu; `data` holds its fields with defaults filled in."""

    id: str
    kind: str
    data: dict[str, Any]
    line: int
    lines: dict[str, int] = field(default_factory=dict)

    def targets(self) -> list[tuple[str, str, int]]:
        """Return (field, target node id, line) for every edge out of this node."""
        found = [(f, self.data[f], self.lines.get(f, self.line))
                 for f in TARGET_FIELDS if isinstance(self.data.get(f), str)]
        for key, target in (self.data.get("options") or {}).items():
            found.append((f"options.{key}", target, self.lines.get(f"options.{key}", self.line)))
        return found

    def prompts(self) -> list[tuple[str, str, int]]:
        """Return (field, prompt name, line) for every prompt this node speaks."""
        return [(f, self.data[f], self.lines.get(f, self.line))
                for f in PROMPT_FIELDS if isinstance(self.data.get(f), str)]


@dataclass
class Menu:
    """A whole menu file: settings, prompts and nodes."""

    name: str
    file: str
    start: str
    nodes: dict[str, Node]
    prompts: dict[str, dict[str, str]]
    languages: tuple[str, ...] = LANGUAGES
    default_language: str = "zh"
    default_queue: str = "hotline"
    care_tags: tuple[str, ...] = ()
    care_queue: str = "care"
    care_priority: int = 9
    on_fault: str = "queue"
    lines: dict[str, int] = field(default_factory=dict)

    def text(self, prompt: str, lang: str) -> str:
        """Return a prompt's text in `lang`, falling back to the default language."""
        texts = self.prompts.get(prompt, {})
        return texts.get(lang) or texts.get(self.default_language, "")
