"""GB 11643 ID numbers: the check digit, the birth date and gender inside, and masking."""
from datetime import date

import pytest

from callcenter.domain import idcard


def _with_check(first17: str) -> str:
    return first17 + idcard.check_digit(first17)


@pytest.mark.parametrize("first17, check", [
    ("11010519491231002", "X"),   # the standard's own example
    ("44052418800101001", "4"),
    ("11010120000101123", "2"),   # by hand: weighted sum 65, 65 mod 11 = 10 → "2"
])
def test_check_digit_follows_iso_7064_mod_11_2(first17, check):
    assert idcard.check_digit(first17) == check


def test_a_wrong_check_digit_is_rejected_and_the_right_one_named():
    with pytest.raises(idcard.IdNumberError, match="应为 X"):
        idcard.parse("110105194912310021")


def test_lower_case_x_and_spaces_are_accepted():
    assert idcard.parse(" 110105 19491231 002x ").value == "11010519491231002X"


@pytest.mark.parametrize("raw", ["", "1101051949123100", "11010519491231002Y",
                                 _with_check("11010519491331002"), _with_check("11010521991231002")])
def test_malformed_or_impossible_id_numbers_are_rejected(raw):
    assert not idcard.is_valid(raw)


def test_birth_date_and_gender_are_read_from_the_number():
    parsed = idcard.parse("11010519491231002X")
    assert parsed.birth_date == date(1949, 12, 31) and parsed.gender == "F"
    assert idcard.parse(_with_check("11010519800101001")).gender == "M"


def test_id_numbers_are_masked_to_first_three_and_last_four():
    assert idcard.mask("110105194912311234") == "110***********1234"
