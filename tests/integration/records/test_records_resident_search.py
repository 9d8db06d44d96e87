"""Resident search: name, pinyin, initials, phone in any form, last 4 digits, address; scoped."""
import pytest

from callcenter.domain.tickets import ForbiddenError
from callcenter.services.resident_search import search_residents
from records_helpers import add_resident


@pytest.fixture
def people(session, world):
    with session.begin():
        ids = {
            "张伟": add_resident(session, world, "张伟", phones=["+8613812345678"],
                               id17="34020219491231002", address="北京东路12号3栋"),
            "张娜": add_resident(session, world, "张娜", phones=["+861065123456"]),
            "赵文": add_resident(session, world, "赵文", phones=["+8613900001111"]),
            "王强": add_resident(session, world, "王强", grid="gridB1", phones=["+8613700005678"]),
        }
    return ids


def _names(session, world, query, who="sup_a"):
    return [r.name for r in search_residents(session, world.actors[who], query, 20)]


def test_pinyin_initials_and_full_pinyin_find_zhang_wei(session, world, people):
    assert _names(session, world, "zhangwei") == ["张伟"]
    assert _names(session, world, "zw") == ["张伟", "赵文"]
    assert _names(session, world, "ZhangWei") == ["张伟"]


def test_pinyin_prefix_finds_everyone_starting_with_it(session, world, people):
    assert _names(session, world, "zhang") == ["张娜", "张伟"]  # ordered by pinyin


def test_chinese_name_prefix_and_address_fragment_find_residents(session, world, people):
    assert _names(session, world, "张") == ["张娜", "张伟"]
    assert _names(session, world, "张伟") == ["张伟"]
    assert _names(session, world, "东路12号") == ["张伟"]


@pytest.mark.parametrize("query", ["138 1234 5678", "+86 138-1234-5678", "5678"])
def test_phone_in_any_form_or_its_last_four_digits_finds_the_resident(session, world, people, query):
    assert _names(session, world, query) == ["张伟"]


def test_last_four_of_the_id_number_finds_the_resident(session, world, people):
    from callcenter.models import Resident
    last4 = session.get(Resident, people["张伟"]).id_last4
    assert "张伟" in _names(session, world, last4)


def test_search_is_scoped_to_the_users_region_subtree(session, world, people):
    assert _names(session, world, "wangqiang", who="sup_a") == []
    assert _names(session, world, "wangqiang", who="sup_b") == ["王强"]
    assert _names(session, world, "wangqiang", who="admin") == ["王强"]


def test_results_carry_masked_values_only(session, world, people):
    [hit] = search_residents(session, world.actors["agent_a1"], "zhangwei", 5)
    assert hit.phone_masked == "138****5678" and hit.id_masked.startswith("340") and "*" in hit.id_masked


@pytest.mark.parametrize("who", ["merchant_p01", "dept_mz"])
def test_partners_may_not_search_residents(session, world, people, who):
    with pytest.raises(ForbiddenError):
        search_residents(session, world.actors[who], "zw", 5)
