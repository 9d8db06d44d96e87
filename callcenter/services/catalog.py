"""The service catalog (服务指南): guides agents read mid-call and residents read online."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from callcenter.domain.catalog_rank import searchable_pinyin, searchable_text
from callcenter.domain.tickets import Actor, ForbiddenError, NotFoundError, ValidationError
from callcenter.models import Category, Department, ServiceForm, ServiceItem
from callcenter.models.base import utcnow
from callcenter.services.catalog_search import CatalogHit, search_catalog  # noqa: F401

EDITORS = frozenset({"supervisor", "admin"})
MAX_FORM_BYTES = 5 * 1024 * 1024
FORM_TYPES = {".pdf": "application/pdf", ".doc": "application/msword",
              ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              ".xls": "application/vnd.ms-excel",
              ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              ".jpg": "image/jpeg", ".png": "image/png", ".txt": "text/plain"}


@dataclass
class ItemInput:
    code: str
    name: str
    category_id: int
    department_id: int | None = None
    summary: str = ""
    eligibility: str = ""
    materials: list[str] = field(default_factory=list)
    fees: str = ""
    steps: list[str] = field(default_factory=list)
    location: str = ""
    hours: str = ""
    ivr_text: str = ""
    keywords: list[str] = field(default_factory=list)
    deadline_policy: dict = field(default_factory=dict)
    active: bool = True


def _require_editor(actor: Actor) -> None:
    if actor.role not in EDITORS:
        raise ForbiddenError(f"role {actor.role} may not edit the catalog")


def save_item(session: Session, actor: Actor | None, data: ItemInput,
              item_id: int | None = None) -> ServiceItem:
    """Create or update an item; `actor=None` is the seed/CLI (trusted) path."""
    if actor is not None:
        _require_editor(actor)
    _validate(session, data, item_id)
    item = session.get(ServiceItem, item_id) if item_id else None
    if item_id and item is None:
        raise NotFoundError("service item not found")
    if item is None:
        item = ServiceItem(code=data.code)
        session.add(item)
    for name in ("code", "name", "category_id", "department_id", "summary", "eligibility",
                 "materials", "fees", "steps", "location", "hours", "ivr_text",
                 "deadline_policy", "active"):
        setattr(item, name, getattr(data, name))
    item.keywords = " ".join(k.strip() for k in data.keywords if k.strip())
    keywords = item.keywords.split()
    item.search_text = searchable_text(data.name, keywords, [
        data.summary, data.eligibility, *data.materials, data.fees, *data.steps, data.location])
    item.search_pinyin = searchable_pinyin(data.name, keywords)
    item.updated_at = utcnow()
    session.flush()
    return item


def _validate(session: Session, data: ItemInput, item_id: int | None) -> None:
    if not data.code.strip() or len(data.code) > 40:
        raise ValidationError("code is required (at most 40 characters)", "code")
    if not data.name.strip() or len(data.name) > 100:
        raise ValidationError("name is required (at most 100 characters)", "name")
    if len(data.ivr_text) > 300:
        raise ValidationError("the IVR text is read on the phone: at most 300 characters",
                              "ivr_text")
    if session.get(Category, data.category_id) is None:
        raise ValidationError("unknown category", "category_id")
    if data.department_id is not None and session.get(Department, data.department_id) is None:
        raise ValidationError("unknown department", "department_id")
    clash = session.scalars(select(ServiceItem.id).where(ServiceItem.code == data.code)).first()
    if clash is not None and clash != item_id:
        raise ValidationError("another item has this code", "code")


def set_active(session: Session, actor: Actor, item_id: int, active: bool) -> ServiceItem:
    """Retire (or bring back) an item; retired items leave search and the public guide."""
    _require_editor(actor)
    item = session.get(ServiceItem, item_id)
    if item is None:
        raise NotFoundError("service item not found")
    item.active = active
    item.updated_at = utcnow()
    session.flush()
    return item


def get_item(session: Session, code: str, *, include_retired: bool = False) -> ServiceItem:
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == code)
                           .options(selectinload(ServiceItem.forms))).first()
    if item is None or (not item.active and not include_retired):
        raise NotFoundError("service item not found")
    return item


def catalog_tree(session: Session, *, include_retired: bool = False) -> list[tuple[Category, list]]:
    """Top categories with their items (by category path, then code) for the guide index."""
    stmt = select(ServiceItem).join(Category).order_by(Category.path, ServiceItem.code)
    if not include_retired:
        stmt = stmt.where(ServiceItem.active.is_(True))
    groups: dict[int, tuple[Category, list]] = {}
    for item in session.scalars(stmt):
        top_id = int(item.category.path.strip("/").split("/")[0])
        if top_id not in groups:
            groups[top_id] = (session.get(Category, top_id), [])
        groups[top_id][1].append(item)
    return list(groups.values())


def add_form(session: Session, actor: Actor, item_id: int, filename: str,
             content: bytes) -> ServiceForm:
    """Attach a downloadable form; only document and image types, at most 5 MB."""
    _require_editor(actor)
    item = session.get(ServiceItem, item_id)
    if item is None:
        raise NotFoundError("service item not found")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    ext = name[name.rfind("."):].lower() if "." in name else ""
    if ext not in FORM_TYPES:
        raise ValidationError(f"form type not allowed; use {', '.join(FORM_TYPES)}", "file")
    if not content or len(content) > MAX_FORM_BYTES:
        raise ValidationError("form must be non-empty and at most 5 MB", "file")
    form = ServiceForm(item=item, filename=name[:255], mime_type=FORM_TYPES[ext],
                       size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                       content=content)
    session.add(form)
    session.flush()
    return form


def get_form(session: Session, code: str, form_id: int) -> ServiceForm:
    item = get_item(session, code)
    form = next((f for f in item.forms if f.id == form_id), None)
    if form is None:
        raise NotFoundError("form not found")
    return form


def remove_form(session: Session, actor: Actor, form_id: int) -> None:
    _require_editor(actor)
    form = session.get(ServiceForm, form_id)
    if form is None:
        raise NotFoundError("form not found")
    session.delete(form)
    session.flush()


def form_choices(session: Session) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(categories indented under their parent, departments) for the edit form."""
    cats = [(c.id, "　" * (c.path.count("/") - 2) + c.name)
            for c in session.scalars(select(Category).order_by(Category.path))]
    depts = [(d.id, d.name) for d in session.scalars(select(Department).order_by(Department.code))]
    return cats, depts
