"""Catalog ranking: name beats keywords beats body text; pinyin and initials count."""
from callcenter.domain.catalog_rank import ItemText, rank, searchable_pinyin, terms


def _item(i, code, name, keywords, text=""):
    return ItemText(i, code, name, tuple(keywords), (name + " " + " ".join(keywords) + text).lower())


ITEMS = [
    _item(1, "SOC-DB", "低保申请", ["低保", "最低生活保障"]),
    _item(2, "SOC-TK", "特困供养", ["特困"], "不符合低保条件的可申请临时救助"),
    _item(3, "AGE-ZC", "老年人助餐", ["老人助餐", "助餐", "老人", "送餐"]),
    _item(4, "AGE-HL", "居家养老护理", ["护理", "老人"]),
]


def test_terms_split_on_chinese_and_ascii_separators():
    assert terms("老人　助餐，送餐") == ["老人", "助餐", "送餐"]


def test_an_item_named_by_the_query_comes_before_one_that_mentions_it():
    assert [i.code for i, _ in rank(ITEMS, "低保")] == ["SOC-DB", "SOC-TK"]


def test_full_pinyin_and_initials_find_the_item():
    assert rank(ITEMS, "dibao")[0][0].code == "SOC-DB"
    assert rank(ITEMS, "dbsq")[0][0].code == "SOC-DB"


def test_two_terms_rank_the_item_matching_both_first():
    assert rank(ITEMS, "老人 助餐")[0][0].code == "AGE-ZC"


def test_pinyin_keys_are_space_separated_so_words_do_not_run_together():
    assert searchable_pinyin("低保申请", ["低保"]) == " dibaoshenqing dbsq dibao db "
