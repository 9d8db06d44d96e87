"""seed-bench loads a consistent data set: the summaries it leaves equal a recount."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from callcenter.models import Ticket
from callcenter.models.calls import CallRecord
from callcenter.services.stats import rebuild
from callcenter.services.stats.bench_seed import Shape, seed


def test_seed_bench_loads_tickets_and_calls_with_summaries_equal_to_a_recount(container):
    shape = Shape(tickets=400, calls=300, days=60, districts=2, streets=2, communities=2)
    result = seed(container.engine, shape, datetime(2025, 6, 1, tzinfo=timezone.utc), progress=lambda m: None)
    with container.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Ticket)) == 400
        assert conn.scalar(select(func.count()).select_from(CallRecord)) == 300
        assert rebuild.differences(conn) == []
    assert result["events"] > 0 and result["summary_rows"]["calls"] > 0
