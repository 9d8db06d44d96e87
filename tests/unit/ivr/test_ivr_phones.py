"""The caller-number fast path must give exactly what the phone parser gives."""
import phonenumbers

from callcenter.domain.phones import try_normalize
from ivr.phones import MOBILE_PATTERN, normalise_caller

parse_only = normalise_caller.__wrapped__  # the function itself, no cache


def test_every_mobile_prefix_matches_the_parser():
    # Every 5-digit prefix of an 11-digit number starting with 1 (valid mobiles, unassigned
    # ranges, the 1[12]xx and 179xx carrier prefixes of CN), suffix varied per prefix.
    for prefix in range(10000, 20000):
        number = f"{prefix}{(prefix * 7919) % 1000000:06d}"
        assert parse_only(number) == try_normalize(number), number


def test_other_shapes_take_the_parser():
    for raw in ["02087654321", "+8613800138000", "8613800138000", "008613800138000",
                " 13800138000 ", "１３８００１３８０００", "1380013800", "138001380001",
                "1380013800a", "unknown", "Anonymous", "", None, "17951138001"]:
        expected = None if (raw or "").strip().lower() in {"", "unknown", "anonymous"} \
            else try_normalize((raw or "").strip())
        assert parse_only(raw) == expected, raw
    assert parse_only("13800138000") == "+8613800138000"
    assert parse_only("02087654321") == "+862087654321"


def test_the_copied_mobile_pattern_is_the_libraries():
    # ivr.phones keeps a copy so that a mobile caller never imports phonenumbers; after an
    # upgrade of phonenumbers, copy its pattern again.
    cn = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert MOBILE_PATTERN == cn.mobile.national_number_pattern
