"""The IVR engine: walks a menu node by node; pure except for the directory it is given."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

from ivr.directory import CallerMatch, DirectoryDeferred, IvrDirectory
from ivr.model import Menu
from ivr.nodes import ENTER, ON_INPUT, Next
from ivr.phones import normalise_caller
from ivr.steps import CallInfo, Gather, Hangup, Prompt, Queue, SetVar, State, Step

log = logging.getLogger(__name__)
MAX_HOPS = 100  # nodes walked without input; the validator forbids loops, this is a backstop


class EngineLoopError(Exception):
    """Raised when a call walks too many nodes without input (a menu bug)."""

    code = "ivr_loop"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Engine:
    """Start a call and resume it with the caller's digits; every fault ends in a queue."""

    def __init__(self, menu: Menu, directory: IvrDirectory,
                 clock: Callable[[], datetime] = utcnow):
        self.menu, self.directory, self.clock = menu, directory, clock

    def prompt(self, name: str, st: State) -> Prompt:
        return Prompt(name, self.menu.text(name, st.lang))

    def start(self, call: CallInfo) -> Step:
        """Recognise the caller, then walk from the start node (or straight to care)."""
        st = State(menu=self.menu.name, lang=self.menu.default_language,
                   caller=normalise_caller(call.caller), linkedid=call.linkedid,
                   ticket=call.ticket or "")
        out: list = []
        try:
            matches = self.directory.lookup_caller(st.caller) if st.caller else []
            care = self._recognise(st, matches)
            if st.lang != (call.channel_language or self.menu.default_language):
                out.append(SetVar("CHANNEL(language)", st.lang))
            if care:
                log.info("call %s: care resident, straight to queue %s", st.linkedid,
                         self.menu.care_queue)
                return Step(st, out, end=self.queue_end(
                    st, self.menu.care_queue, self.menu.care_priority, "agent"))
            return self._walk(st, out, self.menu.start)
        except DirectoryDeferred:
            raise
        except Exception as exc:  # noqa: BLE001 — any fault must still queue the caller
            return self.fault(st, exc)

    def resume(self, state: State, digits: str | None) -> Step:
        """Feed the caller's digits ('' or None for silence) to the node waiting for them."""
        st = state.copy()
        out: list = []
        try:
            node = self.menu.nodes[st.node]
            return self._walk(st, out, ON_INPUT[node.kind](self, node, st, digits or "", out))
        except DirectoryDeferred:
            raise
        except Exception as exc:  # noqa: BLE001
            return self.fault(st, exc)

    def _recognise(self, st: State, matches: list[CallerMatch]) -> bool:
        """Take language and resident id from the match; say whether it is a care case."""
        if len(matches) == 1:
            st.resident_id = matches[0].resident_id
        languages = {m.language for m in matches}
        if len(languages) == 1 and (lang := languages.pop()) in self.menu.languages:
            st.lang = lang
        care_tags = set(self.menu.care_tags)
        return any(care_tags & set(m.tags) for m in matches)

    def _walk(self, st: State, out: list, nxt: Next) -> Step:
        hops = 0
        while isinstance(nxt, str):
            hops += 1
            if hops > MAX_HOPS:
                raise EngineLoopError(f"more than {MAX_HOPS} nodes without input at {nxt!r}")
            node = self.menu.nodes[nxt]
            st.node, st.tries = nxt, 0
            nxt = ENTER[node.kind](self, node, st, out)
        if isinstance(nxt, Gather):
            return Step(st, out, gather=nxt)
        return Step(st, out, end=nxt)

    def queue_end(self, st: State, queue: str, priority: int, intent: str) -> Queue:
        """Build the dialplan contract (ARCHITECTURE.md §5) for handing the call back."""
        return Queue({
            "CC_QUEUE": queue, "CC_PRIORITY": str(max(0, min(10, priority))),
            "CC_LANG": st.lang, "CC_RESIDENT_ID": st.resident_id, "CC_INTENT": intent,
            "CC_TICKET": st.ticket, "CC_IVR_PATH": "-".join(st.path)})

    def fault(self, st: State, exc: BaseException | str) -> Step:
        """End a call whose menu failed: to the default queue (or hang up, for the survey)."""
        reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        log.error("call %s: IVR fault in menu %s at node %r: %s", st.linkedid, self.menu.name,
                  st.node, reason, exc_info=not isinstance(exc, str))
        if self.menu.on_fault == "hangup":
            return Step(st, end=Hangup(), fault=reason)
        return Step(st, end=self.queue_end(st, self.menu.default_queue, 0, "agent"), fault=reason)
