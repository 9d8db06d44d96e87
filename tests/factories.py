"""Builders for test data; each returns plain ids so tests do not hold stale objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from callcenter.domain.tickets import Actor
from callcenter.models import Category, Department, Provider, User
from callcenter.services.accounts import actor_for, hash_password
from callcenter.services.regions import add_region

PASSWORD = "Passw0rd!"


@lru_cache(maxsize=1)
def _hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


@dataclass
class World:
    regions: dict[str, int] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    providers: dict[str, int] = field(default_factory=dict)


def build_world(session) -> World:
    """city → districts A and B; A has streets A1, A2, each with one community and grid."""
    w = World()
    root = add_region(session, "000000", "中国", "country", None)
    prov = add_region(session, "340000", "安徽省", "province", root)
    city = add_region(session, "340200", "芜湖市", "city", prov)
    nodes = {"root": root, "city": city}
    for d, dcode in (("A", "340202"), ("B", "340207")):
        district = add_region(session, dcode, f"区{d}", "district", city)
        nodes[d] = district
        for s in ("1", "2"):
            street = add_region(session, f"{dcode}00{s}", f"街道{d}{s}", "street", district)
            comm = add_region(session, f"{street.code}001", f"社区{d}{s}", "community", street)
            grid = add_region(session, f"{comm.code}001", f"网格{d}{s}", "grid", comm)
            nodes[f"{d}{s}"], nodes[f"grid{d}{s}"] = street, grid
    for key, region in nodes.items():
        w.regions[key], w.paths[key] = region.id, region.path
    top = Category(code="SRV", name="便民服务", path="")
    session.add(top)
    session.flush()
    top.path = f"/{top.id}/"
    leaf = Category(code="SRV-SD", name="水电维修", parent=top, path="",
                    deadline_policy={"complaint": {"complete_days": 5}})
    session.add(leaf)
    session.flush()
    leaf.path = f"{top.path}{leaf.id}/"
    w.categories = {"SRV": top.id, "SRV-SD": leaf.id}
    for code in ("MZ", "CG"):
        dept = Department(code=code, name=f"{code}局", region=nodes["A"], channels=[{"kind": "portal"}])
        session.add(dept)
        session.flush()
        w.departments[code] = dept.id
    for code in ("P01", "P02"):
        prov_ = Provider(code=code, name=f"商户{code}", capacity=5, channels=[{"kind": "portal"}])
        session.add(prov_)
        session.flush()
        w.providers[code] = prov_.id
    specs = [
        ("admin", "admin", "root", {}), ("agent_a1", "agent", "A1", {"extension": "8001"}),
        ("agent_a2", "agent", "A2", {"extension": "8002"}), ("agent_b", "agent", "B", {}),
        ("sup_a", "supervisor", "A", {}), ("sup_b", "supervisor", "B", {}),
        ("dept_mz", "department", "A", {"department_id": w.departments["MZ"]}),
        ("dept_cg", "department", "A", {"department_id": w.departments["CG"]}),
        ("merchant_p01", "merchant", "A", {"provider_id": w.providers["P01"]}),
        ("merchant_p02", "merchant", "A", {"provider_id": w.providers["P02"]}),
    ]
    for username, role, region_key, extra in specs:
        user = User(username=username, display_name=username, password_hash=_hash(), role=role,
                    region=nodes[region_key], **extra)
        session.add(user)
        session.flush()
        w.users[username] = user.id
        w.actors[username] = actor_for(user)
    return w
