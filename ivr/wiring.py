"""Pick the IVR's directory and clock from Settings: the IVR's small composition root."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Callable

from callcenter.config import Settings
from ivr.directory import GuardedDirectory, IvrDirectory


def make_directory(settings: Settings, readers: int = 8) -> IvrDirectory:
    """Return the store-backed directory (`readers` pooled read connections), or the demo one."""
    if settings.demo:
        from ivr.demo import demo_directory

        return demo_directory()
    return make_store_directory(settings, readers)


def make_store_directory(settings: Settings, readers: int = 8) -> IvrDirectory:
    """Return the directory over settings.database_url (also what a lookup process runs)."""
    from callcenter.bootstrap import build
    from ivr.store_directory import StoreDirectory, make_read_engine

    return StoreDirectory(build(settings).sessions,
                          make_read_engine(settings.database_url, pool_size=readers))


def make_service(settings: Settings, env=None):
    """Build the FastAGI service as `callcenter fastagi` runs it (the benchmark uses this too).

    Store lookups run in LOOKUP_PROCESSES child processes, not threads (decisions/0009).
    """
    from ivr.fastagi import LOOKUP_PROCESSES, IvrService
    from ivr.lookup_process import LookupProcesses

    if settings.demo:
        directory = make_directory(settings)
    else:
        child_env = dict(os.environ, DATABASE_URL=settings.database_url, CALLCENTER_DEMO="")
        directory = LookupProcesses(child_env, LOOKUP_PROCESSES)
    return IvrService(directory=directory, clock=make_clock(env))


def make_guarded_directory(settings: Settings, timeout: float = 2.0) -> GuardedDirectory:
    """Return the directory for blocking callers (pyst2, TwiML), each call bounded by `timeout`."""
    return GuardedDirectory(make_directory(settings), timeout)


def make_clock(env=None) -> Callable[[], datetime]:
    """Return the IVR's clock; IVR_CLOCK=<ISO time> pins it (demos and tests of hours)."""
    env = os.environ if env is None else env
    pinned = env.get("IVR_CLOCK")
    if pinned:
        moment = datetime.fromisoformat(pinned)
        if moment.tzinfo is None:
            raise ValueError("IVR_CLOCK must carry a UTC offset, e.g. 2026-11-27T10:00+08:00")
        return lambda: moment
    return lambda: datetime.now(timezone.utc)
