"""Every usual way of writing a mainland number normalises to one E.164 value."""
import pytest

from callcenter.domain.phones import PhoneError, mask, normalize

SAME_NUMBER = [
    ("010-6512 3456", "+861065123456"),
    ("+86 10 65123456", "+861065123456"),
    ("01065123456", "+861065123456"),
    ("(010) 6512-3456", "+861065123456"),
    ("0086 10 6512 3456", "+861065123456"),
    ("138 0013 8000", "+8613800138000"),
    ("+86 138-0013-8000", "+8613800138000"),
    ("8613800138000", "+8613800138000"),
    ("0553-3110000", "+865533110000"),
]


@pytest.mark.parametrize("raw, e164", SAME_NUMBER)
def test_written_forms_of_one_number_normalise_to_the_same_e164(raw, e164):
    assert normalize(raw) == e164


@pytest.mark.parametrize("raw", ["", "   ", "12345", "abc", "138001380001234", "+1 202 555"])
def test_unreadable_numbers_are_rejected_with_a_phone_error(raw):
    with pytest.raises(PhoneError):
        normalize(raw)


@pytest.mark.parametrize("e164, shown", [
    ("+8613812345678", "138****5678"), ("+861065123456", "010****3456"),
])
def test_phones_are_masked_keeping_first_three_and_last_four_digits(e164, shown):
    assert mask(e164) == shown
