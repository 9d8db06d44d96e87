"""The access matrix (docs/security.md), enforced: EVERY route of the app, as every role, in
and out of region scope, and anonymous. A route missing from access_table.ACCESS fails here.

Outcomes: ok (got past authorisation: 2xx, 3xx elsewhere than the log-in, 409, 429, 503),
invalid (400/415/422: refused for its empty body, proving nothing either way), login
(redirect to /login or 401), 403, 404, error (other 5xx: never).
"""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule as UrlRule

from access_table import ACCESS, rule_for
from helpers import PASSWORD

USERS = ("anonymous", "agent_a1", "agent_b", "sup_a", "sup_b", "admin", "dept_mz",
         "merchant_p01")
IN_SCOPE = {"agent_a1", "sup_a", "admin"}        # district A, street A1, or the whole tree
OUT_OF_SCOPE = {"agent_b", "sup_b"}              # district B
ROLE = {"agent_a1": "agent", "agent_b": "agent", "sup_a": "supervisor", "sup_b": "supervisor",
        "admin": "admin", "dept_mz": "department", "merchant_p01": "merchant"}
DUMMY = {"int": "987654", "fmt": "json", "lang": "zh", "language": "zh", "menu": "hotline",
         "ext": "8002", "linkedid": "1700000000.1"}


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """One migrated database with the small world, an A1 ticket and resident, and a signed-in
    client (with its CSRF token) per user."""
    from matrix_world import build_matrix_world
    return build_matrix_world(tmp_path_factory.mktemp("matrix"), USERS)


def _routes(app) -> list[tuple[UrlRule, str]]:
    return sorted(((r, m) for r in app.url_map.iter_rules() if r.endpoint != "static"
                   for m in sorted(r.methods - {"HEAD", "OPTIONS"})),
                  # destructive routes last, so the shared objects live through the walk
                  key=lambda rm: (any(w in rm[0].rule for w in ("delete", "undo")),
                                  rm[0].rule, rm[1]))


def _outcome(response) -> str:
    code = response.status_code
    if code == 503:
        return "ok"  # a clear "not connected" (no PBX): authorisation let it through
    if code >= 500:
        return "error"
    if code in (400, 415, 422):
        return "invalid"
    if code == 401 or (code in (301, 302, 303) and
                       re.search(r"/login(\?|$)", response.headers.get("Location", ""))):
        return "login"
    return {403: "403", 404: "404"}.get(code, "ok")


def _expected(rule, user: str, has_params: bool) -> set[str]:
    if rule.signed:
        return {"ok", "login", "403", "404"}  # its own credential decides; never a 5xx
    if rule.roles is None:
        return {"ok", "invalid", "404"} if has_params else {"ok", "invalid"}
    if user == "anonymous":
        return {"login"}
    # A request refused as invalid before anything is looked up or done ("invalid") is
    # as good as a refusal: the walk sends empty bodies.
    if ROLE[user] not in rule.roles:
        return {"403", "404", "invalid"}
    if rule.scoped and user in OUT_OF_SCOPE:
        return {"404", "invalid"}
    if rule.scoped and user in IN_SCOPE:
        return {"ok", "invalid"}
    return {"ok", "invalid", "404"} if has_params else {"ok", "invalid"}


def _url(url_rule: UrlRule, objects: dict) -> str:
    values = {}
    defaults = url_rule.defaults or {}
    for name in sorted(url_rule.arguments - set(defaults)):
        converter = url_rule._converters[name]
        kind = type(converter).__name__
        if name in objects:
            values[name] = objects[name]
        elif name in DUMMY:
            values[name] = DUMMY[name]
        elif kind == "IntegerConverter":
            values[name] = DUMMY["int"]
        elif kind == "AnyConverter":
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "json"
        else:
            values[name] = "x"
    return url_rule.build({**defaults, **values}, append_unknown=False)[1]


def test_every_route_is_in_the_access_table(walk):
    missing = sorted({f"{r.endpoint} {m} {r.rule}" for r, m in _routes(walk.app)
                      if rule_for(r.endpoint, m) is None})
    assert not missing, (
        "these routes are not in the access matrix: add each to ACCESS in "
        "tests/integration/security/access_table.py and to docs/security.md, saying which "
        "roles may use it:\n  " + "\n  ".join(missing))


def test_the_table_names_no_route_that_does_not_exist(walk):
    endpoints = {r.endpoint for r in walk.app.url_map.iter_rules()}
    stale = sorted(e for e, _ in ACCESS if e not in endpoints)
    assert not stale, f"remove from ACCESS (the routes are gone): {stale}"


def test_every_route_answers_each_role_as_the_matrix_says(walk):
    failures = []
    for url_rule, method in _routes(walk.app):
        rule = rule_for(url_rule.endpoint, method)
        if rule is None:
            continue  # reported by test_every_route_is_in_the_access_table
        url = _url(url_rule, walk.objects)
        for user in USERS:
            response = walk.request(user, method, url)
            got = _outcome(response)
            expected = _expected(rule, user, bool(url_rule.arguments - set(url_rule.defaults or {})))
            if got not in expected:
                failures.append(f"{method} {url} as {user}: got {got} "
                                f"({response.status_code}), expected "
                                f"{'/'.join(sorted(expected))}")
            if url_rule.endpoint == "auth.logout":
                walk.relogin(user)
    assert not failures, f"{len(failures)} access violations:\n  " + "\n  ".join(failures)
