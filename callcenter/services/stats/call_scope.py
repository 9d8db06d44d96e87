"""Which calls a region's figures cover: the queues of its subtree (queues.yaml, the same
queue → region mapping as the wallboard), and the agents who work there.

Calls that never reached a queue (IVR only) or reached one missing from the queue file
belong to the hotline as a whole, so only a viewer who sees every queue counts them.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.models import Region, User
from callcenter.services.queue_directory import QueueDirectory, load_queues
from callcenter.services.regions import subtree_clause


@dataclass(frozen=True)
class CallScope:
    """`queues`/`extensions` None: the whole hotline, every call and every agent."""

    queues: frozenset[str] | None = None
    extensions: frozenset[str] | None = None

    @property
    def whole(self) -> bool:
        return self.queues is None

    def allows_queue(self, name: str | None) -> bool:
        return self.queues is None or name in self.queues


WHOLE = CallScope()


def call_scope(session: Session, region_path: str,
               directory: QueueDirectory | None = None) -> CallScope:
    """The calls and agents of the subtree at `region_path`."""
    directory = directory or QueueDirectory(load_queues())
    scoped = directory.scoped(session)
    mine = [s.queue for s in scoped if s.region_path.startswith(region_path)]
    at_root = region_path.count("/") == 2  # "/1/": the node without a parent
    if at_root or len(mine) == len(directory.queues):
        return WHOLE
    members = {m for q in mine for m in q.members}
    staff = session.scalars(select(User.extension).join(Region, Region.id == User.region_id).where(
        User.extension.is_not(None), subtree_clause(Region.path, region_path)))
    return CallScope(frozenset(q.name for q in mine), frozenset(members | set(staff)))
