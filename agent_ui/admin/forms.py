"""Admin forms (CSRF by Flask-WTF) and the text formats of channels and contacts."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, IntegerField, PasswordField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from agent_ui.residents.forms import choices
from callcenter.domain.tickets import TYPES
from callcenter.models.users import ROLES


class DepartmentForm(FlaskForm):
    code = StringField("编码", validators=[DataRequired(), Length(max=40)])
    name = StringField("名称", validators=[DataRequired(), Length(max=100)])
    region_id = SelectField("所属区域", coerce=int)
    region_ids = SelectMultipleField("服务区域", coerce=int)
    category_ids = SelectMultipleField("负责分类", coerce=int)
    contacts = TextAreaField("联系人（每行：姓名 电话 职务）", validators=[Optional(), Length(max=2000)])
    channels = TextAreaField("接收方式", validators=[DataRequired(), Length(max=2000)])
    active = BooleanField("启用", default=True)


class ProviderForm(FlaskForm):
    code = StringField("编码", validators=[DataRequired(), Length(max=40)])
    name = StringField("名称", validators=[DataRequired(), Length(max=100)])
    region_ids = SelectMultipleField("服务区域", coerce=int)
    category_ids = SelectMultipleField("服务分类", coerce=int)
    contact_name = StringField("联系人", validators=[Optional(), Length(max=50)])
    contact_phone = StringField("联系电话", validators=[Optional(), Length(max=30)])
    channels = TextAreaField("接收方式", validators=[DataRequired(), Length(max=2000)])
    capacity = IntegerField("同时在办上限", validators=[NumberRange(1, 10000)], default=10)
    notes = TextAreaField("备注", validators=[Optional(), Length(max=2000)])
    active = BooleanField("启用", default=True)


class RuleForm(FlaskForm):
    name = StringField("规则名称", validators=[Optional(), Length(max=100)])
    category_id = SelectField("分类（含下级）", coerce=int)
    region_id = SelectField("区域（含下级）", coerce=int)
    ticket_type = SelectField("工单类型", choices=lambda: choices([("", "全部")] + [(t, t) for t in TYPES]))
    target_kind = SelectField("派往", choices=lambda: choices([
        ("department", "承办单位"), ("providers", "任一符合条件的加盟商")]))
    department_id = SelectField("承办单位", coerce=int)
    priority = IntegerField("优先级", validators=[NumberRange(-1000, 1000)], default=0)
    active = BooleanField("启用", default=True)


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=64)])
    display_name = StringField("姓名", validators=[Optional(), Length(max=100)])
    role = SelectField("角色", choices=lambda: choices((r, r) for r in ROLES))
    region_id = SelectField("管辖区域", coerce=int)
    department_id = SelectField("承办单位（承办单位用户）", coerce=int)
    provider_id = SelectField("加盟商（加盟商用户）", coerce=int)
    extension = StringField("分机号", validators=[Optional(), Length(max=20)])
    password = PasswordField("密码（新用户必填，留空不修改）", validators=[Optional(), Length(max=256)])
    active = BooleanField("启用", default=True)


KEEP_SECRET = "******"  # shown instead of a webhook secret; sent back, it keeps the old one


def keep_secrets(channels: list[dict], old: list[dict]) -> list[dict]:
    previous = next((c.get("secret", "") for c in old or [] if c.get("kind") == "webhook"), "")
    return [dict(c, secret=previous) if c.get("secret") == KEEP_SECRET else c for c in channels]


def parse_channels(text: str) -> list[dict]:
    """`portal` / `webhook URL SECRET` / `fax NUMBER` / `sms N1;N2` / `email ADDRESS`, one per line."""
    out = []
    for line in (text or "").splitlines():
        parts = line.split()
        if not parts:
            continue
        kind, rest = parts[0].lower(), parts[1:]
        if kind == "webhook":
            out.append({"kind": kind, "url": rest[0] if rest else "",
                        "secret": rest[1] if len(rest) > 1 else ""})
        elif kind == "fax":
            out.append({"kind": kind, "number": " ".join(rest)})
        elif kind == "sms":
            out.append({"kind": kind, "numbers": " ".join(rest)})
        elif kind == "email":
            out.append({"kind": kind, "address": rest[0] if rest else ""})
        else:
            out.append({"kind": kind})
    return out


def format_channels(channels: list[dict]) -> str:
    lines = []
    for ch in channels:
        extra = {"webhook": [ch.get("url", ""), KEEP_SECRET],
                 "fax": [ch.get("number", "")], "sms": [";".join(ch.get("numbers", []))],
                 "email": [ch.get("address", "")]}.get(ch["kind"], [])
        lines.append(" ".join([ch["kind"], *extra]))
    return "\n".join(lines)


def parse_contacts(text: str) -> list[dict]:
    out = []
    for line in (text or "").splitlines():
        parts = line.split()
        if parts:
            out.append({"name": parts[0], "phone": parts[1] if len(parts) > 1 else "",
                        "title": " ".join(parts[2:])})
    return out


def format_contacts(contact: dict) -> str:
    return "\n".join(" ".join(filter(None, [p.get("name"), p.get("phone"), p.get("title")]))
                     for p in (contact or {}).get("people", []))


class Open311KeyForm(FlaskForm):
    """A new Open311 client; the key itself is made by the service and shown once."""
    name = StringField("应用名称 / Client name", validators=[DataRequired(), Length(max=100)])
    contact = StringField("联系方式 / Contact", validators=[Optional(), Length(max=200)])
    rate_limit = StringField("调用频率上限 / Rate limit", default="60/hour",
                             validators=[DataRequired(), Length(max=40)])
