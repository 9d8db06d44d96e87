"""Small builders shared by the records tests (residents on the factories' world)."""
from __future__ import annotations

from callcenter.domain.idcard import check_digit
from callcenter.domain.resident_rows import ResidentRecord
from callcenter.models import Region
from callcenter.services.residents import save_record
from factories import World


def id_number(first17: str) -> str:
    return first17 + check_digit(first17)


def add_resident(session, world: World, name: str, *, grid: str = "gridA1", phones=(),
                 id17: str | None = None, address: str = "", tags=()) -> int:
    code = session.get(Region, world.regions[grid]).code
    record = ResidentRecord(row=0, name=name, grid_code=code, id_number=id_number(id17) if id17
                            else None, phones=tuple(phones), address=address, tags=tuple(tags))
    return save_record(session, world.actors["admin"], record).id
