"""Pinyin keys stored beside a name: full pinyin and initials."""
import pytest

from callcenter.domain.names import initials_key, is_latin_query, pinyin_key


@pytest.mark.parametrize("name, full, initials", [
    ("张伟", "zhangwei", "zw"), ("吕梅", "lvmei", "lm"), ("欧阳娜娜", "ouyangnana", "oynn"),
])
def test_names_get_full_pinyin_and_initials_keys(name, full, initials):
    assert (pinyin_key(name), initials_key(name)) == (full, initials)


def test_only_latin_letters_make_a_pinyin_query():
    assert is_latin_query("zhang wei") and not is_latin_query("张wei") and not is_latin_query("")
