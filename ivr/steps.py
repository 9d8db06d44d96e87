"""What the engine asks a transport to do: speak, gather digits, set variables, end."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Prompt:
    """A named prompt of the menu (the sound file's name) with its text in the call's language."""

    name: str
    text: str


@dataclass(frozen=True)
class Digits:
    value: str


@dataclass(frozen=True)
class Number:
    value: int


@dataclass(frozen=True)
class Date:
    value: datetime


@dataclass(frozen=True)
class SetVar:
    """Set a channel variable now (e.g. CHANNEL(language) when the language is chosen)."""

    name: str
    value: str


Action = Prompt | Digits | Number | Date | SetVar


@dataclass(frozen=True)
class Gather:
    """Play `prompt` and wait for up to `max_digits` keys (timeout in seconds)."""

    prompt: Prompt
    timeout: float
    max_digits: int
    terminator: str = "#"


@dataclass(frozen=True)
class Queue:
    """End: hand the call back to the dialplan with these channel variables (CC_* …)."""

    variables: dict[str, str]


@dataclass(frozen=True)
class Hangup:
    """End: the menu is over and the call should be hung up (the survey's last words)."""


@dataclass
class CallInfo:
    """What the transport knows about the call when it starts."""

    caller: str | None
    linkedid: str
    channel_language: str | None = None
    ticket: str | None = None


@dataclass
class State:
    """Where a call is in its menu; plain data so TwiML can carry it between webhooks."""

    menu: str
    node: str = ""
    lang: str = "zh"
    caller: str | None = None
    resident_id: str = ""
    linkedid: str = ""
    ticket: str = ""
    tries: int = 0
    path: list[str] = field(default_factory=list)
    vars: dict[str, str] = field(default_factory=dict)

    def copy(self) -> "State":
        """A copy whose path and vars can change without touching this one (per input:
        cheaper than dataclasses.replace)."""
        new = object.__new__(State)
        new.__dict__.update(self.__dict__)
        new.path, new.vars = list(self.path), dict(self.vars)
        return new

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "State":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class Step:
    """The engine's answer: actions to perform, then either wait for digits or end."""

    state: State
    actions: list[Action] = field(default_factory=list)
    gather: Gather | None = None
    end: Queue | Hangup | None = None
    fault: str | None = None
