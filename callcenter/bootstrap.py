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
    # Summary tables follow every flush of tickets and calls in the same transaction, in
    # every process that writes them (web, bridge, workers): figures never lag.
    from callcenter.services.stats import maintenance
    maintenance.install()
    engine = make_engine(settings.database_url)
    container = Container(settings=settings, engine=engine, sessions=make_session_factory(engine),
                          events=events or InProcessEvents())
    # Deliveries: RQ when REDIS_URL is set, else background threads; starts on first use.
    from integrations.dispatcher import attach
    attach(container)
    _register_fax_sender()
    return container


def _register_fax_sender() -> None:
    """Departments whose channel is fax get the dispatch sheet through the PBX (needs AMI)."""
    from integrations.fax_out import FaxSender
    from integrations.jobs import register_sender

    def make(settings: Settings):
        if not settings.ami_url:
            return None  # no PBX to send through: the delivery fails with a clear error
        return FaxSender.from_settings(settings, make_session_factory(make_engine(settings.database_url)))

    register_sender("fax", make)


def build_for_command(settings: Settings, events: EventPublisher | None = None) -> Container:
    """Build a container that is closed when the running `callcenter` command ends."""
    import click
    container = build(settings, events)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(container.close)
    return container
