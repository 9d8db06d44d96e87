"""Full-text search of the service catalog, mid-call: `低保`, `dibao`, `老人 助餐`.

The index finds candidates — SQLite through the FTS5 trigram table, PostgreSQL through
pg_trgm GIN indexes — with one substring test per term (so 2-character Chinese words,
shorter than a trigram, still match). `domain.catalog_rank` then orders them the same
way on both databases.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, column, or_, select, table
from sqlalchemy.orm import Session

from callcenter.domain.catalog_rank import ItemText, rank, terms
from callcenter.models import ServiceItem

FTS = table("service_items_fts", column("rowid"), column("search_text"), column("search_pinyin"))


@dataclass(frozen=True)
class CatalogHit:
    id: int
    code: str
    name: str
    category: str
    ivr_text: str
    summary: str
    score: int


def search_catalog(session: Session, query: str, limit: int = 10) -> list[CatalogHit]:
    """Active items best matching every term (or, failing that, any term)."""
    words = terms(query)
    if not words:
        return []
    items = _candidates(session, words, all_terms=True) or \
        _candidates(session, words, all_terms=False)
    by_id = {i.id: i for i in items}
    texts = [ItemText(i.id, i.code, i.name, tuple(k.lower() for k in i.keywords.split()),
                      i.search_text) for i in items]
    return [_hit(by_id[t.id], score) for t, score in rank(texts, query)[:limit]]


def _candidates(session: Session, words: list[str], all_terms: bool) -> list[ServiceItem]:
    combine = and_ if all_terms else or_
    if session.get_bind().dialect.name == "sqlite":
        ids = select(FTS.c.rowid).where(combine(*[_contains(FTS.c, w, "like") for w in words]))
        where = ServiceItem.id.in_(ids)
    else:
        where = combine(*[_contains(ServiceItem.__table__.c, w, "ilike") for w in words])
    return list(session.scalars(select(ServiceItem).where(where, ServiceItem.active.is_(True))))


def _contains(cols, word: str, op: str):
    # FTS5 uses its trigram index only for a plain LIKE: add ESCAPE only when needed.
    special = any(c in word for c in "\\%_")
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    kw = {"escape": "\\"} if special else {}
    return or_(getattr(cols.search_text, op)(pattern, **kw),
               getattr(cols.search_pinyin, op)(pattern, **kw))


def _hit(item: ServiceItem, score: int) -> CatalogHit:
    return CatalogHit(item.id, item.code, item.name, item.category.name, item.ivr_text,
                      item.summary, score)
