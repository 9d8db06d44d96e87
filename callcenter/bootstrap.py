"""The composition root: the one place that picks adapters for the configured mode."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from callcenter.config import Settings
from callcenter.ports import EventPublisher, InProcessEvents
from callcenter.store import make_engine, make_session_factory


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    events: EventPublisher
    extras: dict = field(default_factory=dict)

    def close(self) -> None:
        dispatcher = self.extras.get("dispatcher")
        if dispatcher is not None:
            dispatcher.close()
        self.engine.dispose()


def build(settings: Settings, events: EventPublisher | None = None) -> Container:
    engine = make_engine(settings.database_url)
    container = Container(settings=settings, engine=engine, sessions=make_session_factory(engine),
                          events=events or InProcessEvents())
    # Deliveries: RQ when REDIS_URL is set, else background threads; starts on first use.
    from integrations.dispatcher import attach
    attach(container)
    return container
