"""Refuse text input containing NUL characters before any handler sees it.

PostgreSQL cannot store U+0000 in text, so such input would fail deep in a query as a
500; no form field, query parameter or JSON string has a use for it. Uploaded files are
binary and are not checked here.
"""
from __future__ import annotations

import re

from flask import Flask, abort, request

_JSON_NUL = re.compile(rb"\\u0000", re.IGNORECASE)


def init_input_guard(app: Flask) -> None:
    app.before_request(_refuse_nul)


def _refuse_nul() -> None:
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        abort(400, description="the query string contains a NUL character")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
            abort(400, description="a form field contains a NUL character")
    elif request.is_json:
        body = request.get_data(cache=True)
        if b"\x00" in body or _JSON_NUL.search(body):
            abort(400, description="the JSON body contains a NUL character")
