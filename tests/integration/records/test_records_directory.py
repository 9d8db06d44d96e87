"""Departments and providers: channels validated, scope respected, ratings from residents."""
import pytest

from callcenter.domain.tickets import ForbiddenError, ValidationError
from callcenter.models import Provider, Ticket
from callcenter.services.directory import (
    DepartmentInput, ProviderInput, list_departments, list_providers, refresh_ratings,
    save_department, save_provider)


def test_a_department_is_saved_with_normalised_channels_and_contacts(session, world):
    with session.begin():
        dept = save_department(session, world.actors["admin"], DepartmentInput(
            code="WJ", name="卫健委", region_id=world.regions["A"],
            category_ids=[world.categories["SRV"]],
            contacts=[{"name": "刘科长", "phone": "0553-3110002", "title": "科长"}],
            channels=[{"kind": "fax", "number": "0553 3110003"},
                      {"kind": "sms", "numbers": "138 0013 8000"}]))
    assert dept.contact["people"][0]["phone"] == "+865533110002"
    assert dept.channels == [{"kind": "fax", "number": "+865533110003"},
                             {"kind": "sms", "numbers": ["+8613800138000"]}]
    assert [d.code for d in list_departments(session, world.actors["admin"])] == ["CG", "MZ", "WJ"]


@pytest.mark.parametrize("change, field", [
    ({"code": ""}, "code"), ({"channels": [{"kind": "webhook", "url": "x"}]}, "channels"),
    ({"contacts": [{"name": "刘", "phone": "123"}]}, "contact"), ({"code": "MZ"}, "code"),
    ({"region_id": 999999}, "region_ids"),
])
def test_bad_department_data_is_refused_naming_the_field(session, world, change, field):
    data = DepartmentInput(code="WJ", name="卫健委", region_id=world.regions["A"])
    for k, v in change.items():
        setattr(data, k, v)
    with pytest.raises(ValidationError) as err:
        save_department(session, world.actors["admin"], data)
    assert err.value.field == field


def test_a_district_admin_cannot_place_a_department_outside_the_district(session, world):
    from callcenter.domain.tickets import Actor
    district_admin = Actor(None, "admin", world.paths["A"])
    with pytest.raises(ValidationError):
        save_department(session, district_admin, DepartmentInput(
            code="X", name="X", region_id=world.regions["B"]))


def test_only_admins_manage_the_directory(session, world):
    with pytest.raises(ForbiddenError):
        save_provider(session, world.actors["sup_a"], ProviderInput(code="P9", name="x"))


def test_providers_capacity_is_bounded_and_listing_follows_the_service_area(session, world):
    with pytest.raises(ValidationError):
        save_provider(session, world.actors["admin"], ProviderInput(code="P9", name="x", capacity=0))
    session.rollback()
    with session.begin():
        save_provider(session, world.actors["admin"], ProviderInput(
            code="P9", name="乙方", region_ids=[world.regions["B1"]],
            category_ids=[world.categories["SRV-SD"]], contact={"name": "王", "phone": "13900139000"}))
    from callcenter.domain.tickets import Actor
    codes_a = [p.code for p in list_providers(session, Actor(None, "admin", world.paths["A"]))]
    codes_b = [p.code for p in list_providers(session, Actor(None, "admin", world.paths["B"]))]
    assert "P9" not in codes_a and "P9" in codes_b


def test_ratings_are_the_mean_satisfaction_of_residents(session, world):
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc)
    with session.begin():
        for score in (5, 4, 3):
            session.add(Ticket(number=f"T{score}", channel="phone", type="help", status="closed",
                               description="x", region_id=world.regions["gridA1"],
                               region_path=world.paths["gridA1"], satisfaction=score,
                               target_provider_id=world.providers["P01"], created_at=now,
                               updated_at=now))
        assert refresh_ratings(session) == {world.providers["P01"]: 4.0}
    assert session.get(Provider, world.providers["P01"]).rating == 4.0
