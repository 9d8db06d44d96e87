"""Open311 GeoReport v2 bodies in JSON and XML, with the specification's element names.

>>> to_xml("services", "service", [{"service_code": "A", "metadata": True, "group": None}])
b"<?xml version='1.0' encoding='utf-8'?>\\n<services><service><service_code>A</service_code><metadata>true</metadata><group /></service></services>"
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from flask import Response

MIMETYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# How lists inside a record are spelled in XML: parent element → child element.
LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
              "formats": "format"}


def respond(fmt: str, root: str, item: str | None, body: Any, status: int = 200) -> Response:
    """`body` is a list of records (root holds `item`s) or one record (root holds fields)."""
    if fmt == "json":
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        data = to_xml(root, item, body)
    return Response(data, status=status, mimetype=MIMETYPES[fmt].split(";")[0],
                    content_type=MIMETYPES[fmt])


def errors(fmt: str, status: int, description: str) -> Response:
    return respond(fmt, "errors", "error", [{"code": status, "description": description}], status)


def to_xml(root: str, item: str | None, body: Any) -> bytes:
    top = ET.Element(root)
    if isinstance(body, list):
        for record in body:
            _fill(ET.SubElement(top, item or "item"), record)
    else:
        _fill(top, body)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def _fill(element: ET.Element, record: dict) -> None:
    for key, value in record.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                sub = ET.SubElement(child, LIST_ITEMS.get(key, "item"))
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = _text(entry)
        elif isinstance(value, dict):
            _fill(child, value)
        elif value is not None:
            child.text = _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
