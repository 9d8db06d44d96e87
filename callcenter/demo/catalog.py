"""Seed the demo service catalog: one guide for each of the 40 demo categories."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.demo.catalog_data import HOURS, ITEMS, WINDOW
from callcenter.models import Category, Department, RoutingRule, ServiceItem
from callcenter.services.catalog import ItemInput, save_item

LOCATIONS = {"GA": "辖区派出所户籍窗口", "RS": "街道劳动保障服务窗口",
             "WJ": "社区卫生服务中心", "JD": "由服务商上门"}


def seed_catalog(session: Session, categories: dict[str, Category],
                 departments: dict[str, Department]) -> int:
    """Create the guides that are missing (matched by code); return how many were created."""
    existing = set(session.scalars(select(ServiceItem.code)))
    created = 0
    for cat_code, dept_code, summary, who, materials, fees, steps, keywords, ivr in ITEMS:
        code = f"G-{cat_code}"
        if code in existing:
            continue
        category = categories[cat_code]
        name = category.name if category.parent_id else f"{category.name}综合咨询"
        save_item(session, None, ItemInput(
            code=code, name=name, category_id=category.id,
            department_id=departments[dept_code].id if dept_code in departments else None,
            summary=summary, eligibility=who, materials=list(materials), fees=fees,
            steps=list(steps), location=LOCATIONS.get(dept_code, WINDOW),
            hours="全天24小时受理" if cat_code == "AGE-JJ" else HOURS, ivr_text=ivr,
            keywords=list(keywords)))
        created += 1
    _seed_rules(session, categories)
    return created


def _seed_rules(session: Session, categories: dict[str, Category]) -> None:
    """Each top category goes to the department the guide names; household services and
    meals/home care go to any eligible provider."""
    if session.scalar(select(RoutingRule.id).limit(1)) is not None:
        return
    guides = {c: d for c, d, *_ in ITEMS}
    departments = {d.code: d for d in session.scalars(select(Department))}
    for code, category in categories.items():
        if category.parent_id is None and guides.get(code) in departments:
            session.add(RoutingRule(name=f"{category.name}→{departments[guides[code]].name}",
                                    category_id=category.id, target_kind="department",
                                    department_id=departments[guides[code]].id))
    for code in ("SRV", "AGE-ZC", "AGE-HL"):
        session.add(RoutingRule(name=f"{categories[code].name}→加盟商", target_kind="providers",
                                category_id=categories[code].id, priority=10))
    session.flush()
