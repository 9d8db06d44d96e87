"""How a department or provider receives work: validated channel settings.

>>> clean_channels([{"kind": "sms", "numbers": ["138 0013 8000"]}])
[{'kind': 'sms', 'numbers': ['+8613800138000']}]
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from callcenter.domain import phones

DEPARTMENT_KINDS = ("portal", "webhook", "fax", "sms", "email")
PROVIDER_KINDS = ("portal", "sms", "webhook")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ChannelError(ValueError):
    code = "invalid_channel"


def clean_channels(raw: list[dict], allowed: tuple[str, ...] = DEPARTMENT_KINDS) -> list[dict]:
    """Normalise each channel; raise ChannelError naming the first bad one."""
    if not isinstance(raw, list) or not raw:
        raise ChannelError("至少需要一种接收方式")
    out, kinds = [], set()
    for ch in raw:
        kind = (ch or {}).get("kind")
        if kind not in allowed:
            raise ChannelError(f"未知接收方式：{kind}（可用：{', '.join(allowed)}）")
        if kind in kinds:
            raise ChannelError(f"接收方式重复：{kind}")
        kinds.add(kind)
        out.append(_CLEAN[kind](ch))
    return out


def _portal(ch: dict) -> dict:
    return {"kind": "portal"}


def _webhook(ch: dict) -> dict:
    url = str(ch.get("url") or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ChannelError("Webhook 地址必须是 http(s):// 开头的完整网址")
    secret = str(ch.get("secret") or "")
    if len(secret) < 16:
        raise ChannelError("Webhook 签名密钥至少16个字符")
    return {"kind": "webhook", "url": url, "secret": secret}


def _numbers(ch: dict, key: str) -> list[str]:
    values = ch.get(key) or []
    if isinstance(values, str):
        values = re.split(r"[;；,，\n]+", values)
    out = []
    for v in (str(v).strip() for v in values):
        if v:
            try:
                out.append(phones.normalize(v))
            except phones.PhoneError:
                raise ChannelError(f"无法识别的号码：{v}") from None
    if not out:
        raise ChannelError("请填写号码")
    return out


def _fax(ch: dict) -> dict:
    return {"kind": "fax", "number": _numbers({"n": [ch.get("number")]}, "n")[0]}


def _sms(ch: dict) -> dict:
    return {"kind": "sms", "numbers": _numbers(ch, "numbers")}


def _email(ch: dict) -> dict:
    address = str(ch.get("address") or "").strip()
    if not _EMAIL.match(address):
        raise ChannelError(f"邮箱地址无效：{address}")
    return {"kind": "email", "address": address}


_CLEAN = {"portal": _portal, "webhook": _webhook, "fax": _fax, "sms": _sms, "email": _email}


def public_view(channels: list[dict]) -> list[dict]:
    """Channels without secrets, for pages and logs."""
    return [{k: ("已设置" if k == "secret" else v) for k, v in ch.items()} for ch in channels]
