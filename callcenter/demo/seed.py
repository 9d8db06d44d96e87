"""`callcenter seed-demo`: a realistic, idempotent demo data set."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.demo import data
from callcenter.demo.catalog import seed_catalog
from callcenter.demo.residents import seed_residents
from callcenter.domain.tickets import Actor
from callcenter.models import Category, Department, Provider, Region, Ticket, User
from callcenter.models.base import utcnow
from callcenter.services import tickets as ticket_service
from callcenter.services.accounts import actor_for, create_user
from callcenter.services.regions import add_region
from callcenter.services.ticket_input import TicketInput

DEMO_PASSWORD = "Demo@12345"

# (username, display name, role, region code, extension, department code, provider code)
USERS = [
    ("admin", "系统管理员", "admin", "000000", None, None, None),
    ("admin_wuhu", "芜湖市管理员", "admin", "340200", None, None, None),
    ("sup_city", "王芳（市级班长）", "supervisor", "340200", None, None, None),
    ("sup_jinghu", "李强（镜湖区班长）", "supervisor", "340202", None, None, None),
    ("sup_bjl", "陈静（北京路街道）", "supervisor", "340202001", None, None, None),
    ("sup_qlq", "赵磊（青龙桥街道）", "supervisor", "110108019", None, None, None),
    *[(f"agent{i:02d}", name, "agent", "340202", f"80{i:02d}", None, None) for i, name in
      enumerate(["张敏", "刘洋", "杨静", "黄伟", "周娜", "吴刚"], start=1)],
    ("agent07", "徐丽", "agent", "110108", "8007", None, None),
    ("agent08", "孙涛", "agent", "110108", "8008", None, None),
    ("merchant_p01", "惠民水电维修", "merchant", "340202", None, None, "P01"),
    ("merchant_p02", "安心家政保洁", "merchant", "340202", None, None, "P02"),
    ("merchant_p03", "夕阳红助餐送餐", "merchant", "340202", None, None, "P03"),
    ("dept_mz", "民政局经办人", "department", "340202", None, "MZ", None),
    ("dept_cg", "城管局经办人", "department", "340202", None, "CG", None),
    ("dept_zj", "住建局经办人", "department", "340202", None, "ZJ", None),
]


def seed_demo(session: Session, *, tickets: int = 500, now: datetime | None = None,
              rng: random.Random | None = None) -> list[tuple[str, str, str]]:
    """Create what is missing (matched by natural keys); return the demo log-ins."""
    rng = rng or random.Random(20261128)
    now = now or utcnow()
    regions = _regions(session)
    categories = _categories(session)
    departments = _departments(session, regions, categories)
    providers = _providers(session, regions, categories)
    users = _users(session, regions, departments, providers)
    seed_residents(session, regions, random.Random(rng.random()))
    seed_catalog(session, categories, departments)
    if session.scalar(select(func.count()).select_from(Ticket)) == 0:
        _tickets(session, rng, now, tickets, regions, categories, departments, providers, users)
    return [(u[0], u[2], DEMO_PASSWORD) for u in USERS]


def _regions(session: Session) -> dict[str, Region]:
    by_code = {r.code: r for r in session.scalars(select(Region))}

    def ensure(code, name, level, parent):
        if code not in by_code:
            by_code[code] = add_region(session, code, name, level, parent)
        return by_code[code]

    root = ensure("000000", "中华人民共和国", "country", None)
    communities: list[Region] = []
    for pcode, pname, plevel, cities in data.REGIONS:
        province = ensure(pcode, pname, plevel, root)
        for ccode, cname, clevel, districts in cities:
            city = ensure(ccode, cname, clevel, province)
            for dcode, dname, dlevel, streets in districts:
                district = ensure(dcode, dname, dlevel, city)
                for scode, sname, slevel, comms in streets:
                    street = ensure(scode, sname, slevel, district)
                    for i, cname_ in enumerate(comms, start=1):
                        communities.append(ensure(f"{scode}{i:03d}", cname_, "community", street))
    per = [4 if c.code.startswith("340202001") else 3 for c in communities]
    assert sum(per) == data.GRIDS_TOTAL
    for community, n in zip(communities, per):
        for g in range(1, n + 1):
            ensure(f"{community.code}{g:03d}", f"{community.name}第{g}网格", "grid", community)
    return by_code


def _categories(session: Session) -> dict[str, Category]:
    by_code = {c.code: c for c in session.scalars(select(Category))}
    for code, name, name_en, _key, children in data.CATEGORIES:
        parent = by_code.get(code) or _add_category(session, code, name, name_en, None, {})
        by_code[code] = parent
        for ccode, cname, cname_en, policy in children:
            if ccode not in by_code:
                by_code[ccode] = _add_category(session, ccode, cname, cname_en, parent, policy)
    return by_code


def _add_category(session, code, name, name_en, parent, policy) -> Category:
    cat = Category(code=code, name=name, name_en=name_en, parent=parent, path="",
                   deadline_policy=policy)
    session.add(cat)
    session.flush()
    cat.path = f"{parent.path if parent else '/'}{cat.id}/"
    return cat


def _departments(session, regions, categories) -> dict[str, Department]:
    by_code = {d.code: d for d in session.scalars(select(Department))}
    top = {c[3]: categories[c[0]] for c in data.CATEGORIES}
    for code, name, keys in data.DEPARTMENTS:
        if code in by_code:
            continue
        cats = [top[k] for k in keys if k in top] or [top["社会救助"]]
        dept = Department(code=code, name=name, region=regions["340202"],
                          regions=[regions["340202"], regions["110108"]], categories=cats,
                          channels=[{"kind": "portal"}], contact={"phone": "0553-3110000"})
        session.add(dept)
        by_code[code] = dept
    session.flush()
    return by_code


def _providers(session, regions, categories) -> dict[str, Provider]:
    by_code = {p.code: p for p in session.scalars(select(Provider))}
    streets = [r for r in regions.values() if r.level == "street"]
    for i, (code, name, keys, capacity) in enumerate(data.PROVIDERS):
        if code in by_code:
            continue
        cats = [c for c in categories.values() if c.parent_id and any(k in c.name for k in keys)]
        served = [streets[i % len(streets)], streets[(i + 1) % len(streets)]]
        prov = Provider(code=code, name=name, categories=cats, regions=served, capacity=capacity,
                        rating=round(4.0 + (i % 10) / 10, 1), channels=[{"kind": "portal"}],
                        contact={"phone": f"1390553{i:04d}"})
        session.add(prov)
        by_code[code] = prov
    session.flush()
    return by_code


def _users(session, regions, departments, providers) -> dict[str, User]:
    by_name = {u.username: u for u in session.scalars(select(User))}
    for username, display, role, rcode, ext, dcode, pcode in USERS:
        if username not in by_name:
            by_name[username] = create_user(
                session, username=username, password=DEMO_PASSWORD, role=role,
                region=regions[rcode], display_name=display, extension=ext,
                department_id=departments[dcode].id if dcode else None,
                provider_id=providers[pcode].id if pcode else None)
    return by_name


# Where the demo tickets end up, as paths through the life cycle.
PATHS = [
    (30, ["dispatch", "accept", "resolve", "revisit", "close"]),
    (10, ["dispatch", "accept", "resolve", "revisit"]),
    (8, ["dispatch", "accept", "resolve"]),
    (8, ["resolve"]),
    (10, ["dispatch", "accept"]),
    (10, ["dispatch"]),
    (5, ["dispatch", "return"]),
    (4, ["dispatch", "return", "dispatch", "accept", "resolve", "revisit", "close"]),
    (10, []),
    (5, ["cancel"]),
]
DESCRIPTIONS = {
    "consult": "来电咨询{c}的办理条件和所需材料。",
    "help": "居民反映需要{c}，请尽快安排上门。",
    "complaint": "居民投诉{c}问题长期未解决，情绪较激动。",
    "suggestion": "居民建议加强{c}方面的服务。",
    "praise": "居民表扬工作人员在{c}方面热情周到。",
}


def _tickets(session, rng, now, count, regions, categories, departments, providers, users):
    grids = [r for r in regions.values() if r.level == "grid"]
    leaves = [c for c in categories.values() if c.parent_id is not None]
    agents = [u for u in users.values() if u.role == "agent"]
    sups = [u for u in users.values() if u.role == "supervisor"]
    weights = [w for w, _ in PATHS]
    for _ in range(count):
        grid = rng.choice(grids)
        agent = rng.choice([a for a in agents if grid.path.startswith(a.region.path)])
        cat = rng.choice(leaves)
        ttype = rng.choices(["consult", "help", "complaint", "suggestion", "praise"],
                            [35, 35, 20, 7, 3])[0]
        at = now - timedelta(days=rng.uniform(0, 90))
        phone = f"+861{rng.choice('3589')}{rng.randrange(10**9):09d}"
        ticket = ticket_service.open_ticket(session, actor_for(agent), TicketInput(
            channel=rng.choices(["phone", "web", "fax", "walk_in", "sms"], [80, 10, 3, 5, 2])[0],
            type=ttype, description=DESCRIPTIONS[ttype].format(c=cat.name), region_id=grid.id,
            category_id=cat.id, caller_phone=phone, address=f"{grid.parent.name}{rng.randint(1, 60)}号楼",
            priority="urgent" if rng.random() < 0.05 else "normal"), now=at)
        path = rng.choices([p for _, p in PATHS], weights)[0]
        sup = rng.choice([u for u in sups if grid.path.startswith(u.region.path)] or [agent])
        _walk(session, rng, ticket, path, at, agent, sup, departments, providers)


def _walk(session, rng, ticket, path, at, agent, sup, departments, providers):
    target_actor = None
    for action in path:
        at += timedelta(minutes=rng.randint(5, 60 * 24))
        at = min(at, utcnow())
        payload: dict = {}
        actor = actor_for(agent)
        if action == "dispatch":
            if rng.random() < 0.5:
                dept = rng.choice(list(departments.values()))
                payload["target"] = {"kind": "department", "id": dept.id}
                target_actor = Actor(None, "department", "/", department_id=dept.id)
            else:
                prov = rng.choice(list(providers.values()))
                payload["target"] = {"kind": "provider", "id": prov.id}
                target_actor = Actor(None, "merchant", "/", provider_id=prov.id)
        elif action in ("accept", "return"):
            actor = target_actor
            payload["reason"] = "不属于本单位职责范围"
        elif action == "resolve":
            actor = target_actor or actor
            payload["result"] = "已联系居民并处理完毕。"
        elif action == "revisit":
            payload["score"] = rng.choices([5, 4, 3, 2, 1], [60, 25, 8, 4, 3])[0]
        elif action == "cancel":
            payload["reason"] = "居民来电撤回诉求"
        elif action == "close":
            actor = actor_for(sup) if rng.random() < 0.3 else actor
        ticket_service.apply_action(session, actor, ticket.number, action, payload, now=at)
