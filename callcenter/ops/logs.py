"""Structured logs without personal data: a JSON formatter and a filter that masks mainland
phone numbers, resident ID numbers and credentials in every message, argument and traceback.

>>> mask_personal_data("caller 13812345678 id 110101199003074514 ami://u:pw@pbx")
'caller *******5678 id [id] ami://u:***@pbx'
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ID_NUMBER = re.compile(
    r"(?<![\dA-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![\dA-Za-z])"
    r"|(?<![\dA-Za-z])\d{8}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?0\d{2,3}[- ]\d{3,4}[- ]?(\d{4})(?!\d)")
_URL_PASSWORD = re.compile(r"(\w+://[^:/@\s]+:)[^@\s]+(@)")
_KEY_SECRET = re.compile(r"(?i)\b(secret|password|passwd|token|auth_token|api_key|apikey)(\s*[:=]\s*)"
                         r"(?!\*\*\*)[^\s,;'\"&]+")

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def mask_personal_data(text: str) -> str:
    """Mask ID numbers, phone numbers (keeping the last 4 digits) and secrets in `text`."""
    text = _ID_NUMBER.sub("[id]", text)
    text = _MOBILE.sub(lambda m: "*******" + m.group(1), text)
    text = _LANDLINE.sub(lambda m: "*******" + m.group(1), text)
    text = _URL_PASSWORD.sub(r"\1***\2", text)
    return _KEY_SECRET.sub(r"\1\2***", text)


class PersonalDataFilter(logging.Filter):
    """Rewrite each record's message (arguments merged in) with personal data masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = mask_personal_data(message), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask_personal_data(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (Asia/Shanghai), level, logger, message, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, SHANGHAI).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal_data(record.getMessage()),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (int, float, bool, type(None))) \
                    else mask_personal_data(str(value))
        if record.exc_info:
            entry["exception"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class MaskingTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_data(super().format(record))


def configure_logging(fmt: str = "text", level: str = "INFO", stream=None) -> logging.Handler:
    """Replace the root handlers with one that masks personal data, as JSON or text."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else MaskingTextFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


def configure_from_env(env=None) -> logging.Handler | None:
    """Apply LOG_FORMAT / LOG_LEVEL when the operator set LOG_FORMAT; else leave logging be."""
    env = os.environ if env is None else env
    fmt = env.get("LOG_FORMAT")
    if not fmt:
        return None
    return configure_logging(fmt.strip().lower(), env.get("LOG_LEVEL") or "INFO")
