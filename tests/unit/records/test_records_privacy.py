"""Masking per role: who may reveal which field; merchants never see an ID number."""
import pytest

from callcenter.domain import privacy

ID = "110105194912311234"


@pytest.mark.parametrize("role, shown", [
    ("agent", "110***********1234"), ("supervisor", "110***********1234"),
    ("admin", "110***********1234"), ("department", "110***********1234"), ("merchant", None),
])
def test_id_numbers_are_masked_for_staff_and_absent_for_merchants(role, shown):
    assert privacy.masked_id(role, ID) == shown


@pytest.mark.parametrize("role, phone, id_number", [
    ("agent", True, False), ("supervisor", True, True), ("admin", True, True),
    ("department", False, False), ("merchant", False, False),
])
def test_only_roles_that_need_full_values_may_reveal_them(role, phone, id_number):
    assert privacy.can_reveal(role, "phone") is phone
    assert privacy.can_reveal(role, "id_number") is id_number
