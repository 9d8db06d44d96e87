"""Full ID numbers and phones: only for roles that need them, and every view is audited."""
import pytest

from callcenter.domain.tickets import ForbiddenError, NotFoundError
from callcenter.models import AuditEntry
from callcenter.services import audit
from callcenter.services.resident_export import export_residents
from callcenter.services.residents import get_resident, resident_view, reveal
from records_helpers import add_resident, id_number

ID17 = "34020219491231002"


@pytest.fixture
def rid(session, world):
    with session.begin():
        return add_resident(session, world, "张伟", phones=["+8613812345678"], id17=ID17)


def test_views_show_masked_id_and_phone(session, world, rid):
    view = resident_view(get_resident(session, world.actors["agent_a1"], rid),
                         world.actors["agent_a1"])
    assert view["id_number"] == "340***********" + id_number(ID17)[-4:]
    assert view["phones"][0]["masked"] == "138****5678"
    assert "+8613812345678" not in str(view) and id_number(ID17) not in str(view)


def test_a_supervisor_reveals_the_id_number_and_the_view_is_audited(session, world, rid):
    with session.begin():
        value = reveal(session, world.actors["sup_a"], rid, "id_number")
    assert value == id_number(ID17)
    [entry] = audit.entries_for(session, "resident", rid)
    assert (entry.user_id, entry.role, entry.action) == (world.users["sup_a"], "supervisor",
                                                          "reveal_id_number")
    assert entry.at is not None


def test_an_agent_reveals_a_phone_to_call_back_and_is_audited(session, world, rid):
    with session.begin():
        assert reveal(session, world.actors["agent_a1"], rid, "phone") == "+8613812345678"
    assert [e.action for e in audit.entries_for(session, "resident", rid)] == ["reveal_phone"]


def test_an_agent_may_not_see_the_full_id_number_and_nothing_is_audited(session, world, rid):
    with pytest.raises(ForbiddenError):
        reveal(session, world.actors["agent_a1"], rid, "id_number")
    session.rollback()
    assert audit.entries_for(session, "resident", rid) == []


@pytest.mark.parametrize("who", ["merchant_p01", "dept_mz"])
def test_partners_cannot_open_resident_records(session, world, rid, who):
    with pytest.raises(ForbiddenError):
        reveal(session, world.actors[who], rid, "phone")


def test_residents_outside_the_scope_are_not_found(session, world, rid):
    with pytest.raises(NotFoundError):
        reveal(session, world.actors["sup_b"], rid, "phone")


def test_an_export_is_audited_and_agents_may_not_export(session, world, rid):
    with session.begin():
        data = export_residents(session, world.actors["sup_a"], "csv")
    assert id_number(ID17).encode() in data
    entries = session.query(AuditEntry).filter_by(action="export").all()
    assert len(entries) == 1 and entries[0].detail["count"] == 1
    with pytest.raises(ForbiddenError):
        export_residents(session, world.actors["agent_a1"], "csv")
