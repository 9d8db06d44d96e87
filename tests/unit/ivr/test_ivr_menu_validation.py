"""`ivr validate`: each rule a menu can break is reported with its file and line."""
from __future__ import annotations

import textwrap

import pytest

from ivr.loader import MENUS_DIR, load_menu, parse_menu
from ivr.model import MenuInvalidError
from ivr.validate import validate_menu

GOOD = """\
name: t
start: main
prompts:
  ask: {zh: 请选择, en: Choose}
  bye: {zh: 再见, en: Bye}
nodes:
  main:
    kind: menu
    prompt: ask
    options: {"1": person}
    default: person
  person:
    kind: queue
    queue: hotline
"""


def errors_of(text: str):
    menu, errors = parse_menu(textwrap.dedent(text), "t.yaml")
    return errors + (validate_menu(menu) if menu and not errors else [])


def only_error(text: str):
    errors = errors_of(text)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


@pytest.mark.parametrize("name", ["hotline", "survey"])
def test_shipped_menus_are_valid(name):
    assert load_menu(MENUS_DIR / f"{name}.yaml").name == name


def test_a_good_menu_has_no_errors():
    assert errors_of(GOOD) == []


def test_unknown_node_reference_is_reported_at_its_line():
    e = only_error(GOOD.replace('options: {"1": person}', 'options: {"1": nowhere}'))
    assert (e.file, e.line) == ("t.yaml", 10)
    assert "unknown node 'nowhere'" in e.reason


def test_unreachable_node_is_reported_at_its_line():
    e = only_error(GOOD + "  orphan:\n    kind: hangup\n")
    assert e.line == 15 and "'orphan' is unreachable" in e.reason


def test_menu_without_a_way_to_a_person_is_rejected():
    text = GOOD.replace('options: {"1": person}', 'options: {"1": end}') \
        .replace("default: person", "default: end") + "  end:\n    kind: hangup\n    prompt: bye\n"
    errors = errors_of(text)
    assert any("menu 'main' has no way to a person" in e.reason and e.line == 7 for e in errors)


def test_loop_that_takes_no_input_is_rejected():
    text = GOOD.replace('options: {"1": person}', 'options: {"1": a}') + (
        "  a:\n    kind: say\n    prompt: ask\n    next: b\n"
        "  b:\n    kind: set\n    vars: {X: '1'}\n    next: a\n")
    e = only_error(text)
    assert "loop without input: a → b → a" in e.reason and e.line == 15


def test_loop_through_a_menu_is_allowed():
    text = GOOD.replace('options: {"1": person}', 'options: {"1": person, "9": en}') + \
        "  en:\n    kind: language\n    lang: en\n    next: main\n"
    assert errors_of(text) == []


def test_prompt_missing_a_language_is_reported_at_the_prompt():
    e = only_error(GOOD.replace("bye: {zh: 再见, en: Bye}", "bye: {zh: 再见}"))
    assert e.line == 5 and "prompt 'bye' has no en text" in e.reason


def test_node_using_an_undefined_prompt_is_reported():
    e = only_error(GOOD.replace("prompt: ask", "prompt: nosuch"))
    assert e.line == 9 and "undefined prompt 'nosuch'" in e.reason


def test_unknown_kind_and_missing_field_are_reported():
    errors = errors_of(GOOD.replace("kind: queue", "kind: teleport"))
    assert any("kind 'teleport' is not one of" in e.reason for e in errors)
    errors = errors_of(GOOD.replace("    default: person\n", ""))
    assert any("needs 'default'" in e.reason and e.line == 7 for e in errors)


def test_misspelled_field_is_reported():
    e = only_error(GOOD.replace("queue: hotline", "queue: hotline\n    priorty: 3"))
    assert e.line == 15 and "unknown field 'priorty'" in e.reason


def test_queue_priority_outside_0_to_10_is_rejected():
    e = only_error(GOOD.replace("queue: hotline", "queue: hotline\n    priority: 11"))
    assert "priority must be 0–10" in e.reason


def test_setting_a_contract_variable_by_hand_is_rejected():
    text = GOOD.replace('options: {"1": person}', 'options: {"1": s}') + \
        "  s:\n    kind: set\n    vars: {CC_QUEUE: care}\n    next: person\n"
    e = only_error(text)
    assert "CC_QUEUE is set by the queue node" in e.reason


def test_duplicate_node_id_is_reported():
    text = GOOD + "  person:\n    kind: hangup\n"
    assert any("duplicate key 'person'" in e.reason and e.line == 15 for e in errors_of(text))


def test_broken_yaml_is_reported_with_its_line():
    e = only_error(GOOD.replace("    options: {", "    options: {{"))
    assert "not valid YAML" in e.reason and e.line >= 10


def test_load_menu_raises_with_every_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("default: person", "default: gone")
                    .replace("bye: {zh: 再见, en: Bye}", "bye: {zh: 再见}"), encoding="utf-8")
    with pytest.raises(MenuInvalidError) as info:
        load_menu(path)
    assert str(path) + ":11:" in str(info.value)


def test_option_that_is_not_a_single_key_is_rejected():
    e = only_error(GOOD.replace('options: {"1": person}', 'options: {"12": person}'))
    assert "option '12' is not a single key" in e.reason


def test_business_hours_must_be_hh_mm():
    text = GOOD.replace("start: main", "start: h") + (
        "  h:\n    kind: hours\n    opens: 8am\n    closes: '18:00'\n"
        "    open: main\n    closed: main\n")
    e = only_error(text)
    assert e.line == 17 and "opens: expected HH:MM" in e.reason


@pytest.mark.parametrize("text", [
    GOOD,
    *[(MENUS_DIR / f"{name}.yaml").read_text(encoding="utf-8") for name in ("hotline", "survey")],
    GOOD + "  person:\n    kind: hangup\n",  # duplicate key
    GOOD.replace("options: {", "options: {{"),  # not YAML
    "name: [unclosed\n",
    "name: t\n\tstart: main\n",  # a tab where YAML forbids one
    "",
], ids=["good", "hotline", "survey", "duplicate", "braces", "unclosed", "tab", "empty"])
def test_libyaml_and_pure_python_yaml_give_the_same_menu_and_errors(text, monkeypatch):
    # ivr.loader composes with libyaml when PyYAML has it (start-up time of the classic AGI
    # script); the pure-Python loader is the reference for values, lines and messages.
    import yaml

    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML built without libyaml: only the pure-Python loader exists")
    fast = parse_menu(text, "t.yaml")
    monkeypatch.delattr(yaml, "CSafeLoader")
    pure = parse_menu(text, "t.yaml")
    assert fast[0] == pure[0]
    assert [str(e) for e in fast[1]] == [str(e) for e in pure[1]]
