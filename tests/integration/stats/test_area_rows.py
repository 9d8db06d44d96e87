"""The area rows (grains D/M, per district) give exactly the figures the street rows give,
for every page a city or district shows, over ranges of whole months, edges and single days."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

import stats_dataset as dataset
from callcenter.models import Region
from callcenter.services.stats import ticket_source, tickets as st
from callcenter.services.stats.periods import DateRange

RANGES = {
    "edges only": DateRange(date(2025, 9, 28), date(2025, 10, 5)),
    "whole months and edges": DateRange(date(2025, 8, 20), date(2025, 11, 10)),
    "whole months": DateRange(date(2025, 9, 1), date(2025, 10, 31)),
    "one day": DateRange(date(2025, 10, 1), date(2025, 10, 1)),
    "a year": DateRange(date(2024, 11, 11), date(2025, 11, 10)),
}


def _pages(s, n, rng):
    current, kids = st.overview(s, n, rng, dataset.NOW)
    return {
        "overview": current, "children": kids,
        "summary": st.summary(s, n, rng, dataset.NOW), "compare": st.compare(s, n, rng, dataset.NOW),
        **{f"trend {b}": st.trend(s, n, rng, b) for b in ("day", "week", "month")},
        "category": st.by_category(s, n, rng),
        **{dim: st.by_dimension(s, n, rng, dim) for dim in ("channel", "type", "target")},
        "actions": ticket_source.actions(s, n.path, n.level, rng),
    }


def _grains_read(s, fn) -> set[str]:
    """The summary grains the statements bound while `fn` ran."""
    seen: set[str] = set()

    def spy(conn, cursor, statement, params, context, executemany):
        values = params.values() if isinstance(params, dict) else (params or ())
        seen.update(v for v in values if v in ("d", "m", "D", "M"))
    engine = s.get_bind()
    event.listen(engine, "before_cursor_execute", spy)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    return seen


@pytest.mark.parametrize("key", ["root", "city", "A"])
@pytest.mark.parametrize("rng", list(RANGES.values()), ids=list(RANGES))
def test_figures_are_equal_with_and_without_the_area_rows(data, key, rng, monkeypatch):
    s, world, _ = data
    n = st.Node.of(s.get(Region, world.regions[key]))
    with_area = {}
    grains = _grains_read(s, lambda: with_area.update(_pages(s, n, rng)))
    assert grains & {"D", "M"}, "the area rows were not read"
    monkeypatch.setattr(ticket_source, "AREA_ROWS", False)
    without = {}
    assert not _grains_read(s, lambda: without.update(_pages(s, n, rng))) & {"D", "M"}
    assert with_area == without
    assert with_area["overview"]["received"] > 0 or key == "A" and rng.end < date(2025, 9, 28)


def test_a_district_splits_into_streets_from_the_street_rows(data):
    """A district's own figures come from its area rows; its streets side by side cannot."""
    s, world, _ = data
    n = st.Node.of(s.get(Region, world.regions["A"]))
    rng = RANGES["whole months and edges"]
    assert _grains_read(s, lambda: st.summary(s, n, rng, dataset.NOW)) == {"D", "M"}
    assert _grains_read(s, lambda: st.children(s, n, rng, dataset.NOW)) == {"d", "m"}
