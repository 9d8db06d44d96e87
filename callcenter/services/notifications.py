"""Message wording (templates admins may edit) and the settings every message needs.

Templates use `{name}` placeholders from a fixed list; a template with an unknown
placeholder or a broken brace is refused when saved, so sending never fails on it.
"""
from __future__ import annotations

import os
import string
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.calendar import SHANGHAI
from callcenter.domain.delivery import RetryPolicy
from callcenter.domain.tickets import Actor, ForbiddenError, ValidationError
from callcenter.models import NotificationTemplate, Ticket
from callcenter.models.base import utcnow

FIELDS = frozenset({"ticket_number", "category", "address", "region", "description", "type",
                    "accept_deadline", "complete_deadline", "deadline", "link", "target",
                    "rate_link", "hotline", "hotline_name", "decision", "level"})

DEFAULTS: dict[str, dict[str, str]] = {
    "dispatch.sms": {
        "zh": "【{hotline_name}】新工单{ticket_number}（{category}）：{address}。"
              "请于{accept_deadline}前签收：{link}",
        "en": "[{hotline_name}] New job {ticket_number} ({category}) at {address}. "
              "Please accept by {accept_deadline}: {link}"},
    "dispatch.email.subject": {"zh": "【派单】工单{ticket_number}：{category}",
                               "en": "[Dispatch] Ticket {ticket_number}: {category}"},
    "dispatch.email": {
        "zh": "工单号：{ticket_number}\n类型：{type}\n分类：{category}\n地址：{address}\n"
              "区域：{region}\n签收时限：{accept_deadline}\n办结时限：{complete_deadline}\n\n"
              "{description}\n\n请登录处理：{link}",
        "en": "Ticket: {ticket_number}\nType: {type}\nCategory: {category}\nAddress: {address}\n"
              "Region: {region}\nAccept by: {accept_deadline}\nComplete by: {complete_deadline}\n\n"
              "{description}\n\nHandle it here: {link}"},
    "reminder.accept": {
        "zh": "【{hotline_name}】催办：工单{ticket_number}须于{deadline}前签收，请尽快处理：{link}",
        "en": "[{hotline_name}] Reminder: accept ticket {ticket_number} by {deadline}: {link}"},
    "reminder.complete": {
        "zh": "【{hotline_name}】催办：工单{ticket_number}须于{deadline}前办结，请尽快处理：{link}",
        "en": "[{hotline_name}] Reminder: complete ticket {ticket_number} by {deadline}: {link}"},
    "escalation.supervisor": {
        "zh": "督办（{level}级）：工单{ticket_number}（{region}）已超过时限{deadline}，承办方：{target}。",
        "en": "Escalation (level {level}): ticket {ticket_number} ({region}) is past its "
              "deadline {deadline}; handled by {target}."},
    "extension.decided": {
        "zh": "工单{ticket_number}的延期申请{decision}，办结时限：{complete_deadline}。",
        "en": "The extension request for ticket {ticket_number} was {decision}; "
              "due {complete_deadline}."},
    "resident.created": {
        "zh": "【{hotline_name}】您的诉求已受理，工单号{ticket_number}，可致电{hotline}凭工单号查询进度。",
        "en": "[{hotline_name}] We have registered your request as ticket {ticket_number}; "
              "call {hotline} to follow it."},
    "resident.accepted": {
        "zh": "【{hotline_name}】您的工单{ticket_number}已由{target}受理，正在办理。",
        "en": "[{hotline_name}] Ticket {ticket_number} is now being handled by {target}."},
    "resident.resolved": {
        "zh": "【{hotline_name}】您的工单{ticket_number}已办结。请为本次服务打分：{rate_link}，"
              "或致电{hotline}。",
        "en": "[{hotline_name}] Ticket {ticket_number} is resolved. Please rate our service: "
              "{rate_link} or call {hotline}."},
}


@dataclass(frozen=True)
class Messaging:
    """What messages need from the configuration: links, the hotline, retry rules."""

    base_url: str = "http://127.0.0.1:5000"
    secret_key: str = "dev"
    hotline: str = "12345"
    hotline_name: str = "社区服务热线"
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_settings(cls, settings, env=None) -> "Messaging":
        """Read Settings, then DELIVERY_* / HOTLINE_* variables (settings.extra wins)."""
        env = os.environ if env is None else env
        extra = getattr(settings, "extra", {}) or {}

        def get(name, default):
            return extra.get(name.lower(), env.get(name, default))

        raw = str(get("DELIVERY_RETRY_INTERVALS", "5,30,120,600"))
        intervals = tuple(int(x) for x in raw.split(",") if x.strip())
        policy = RetryPolicy(intervals, int(get("DELIVERY_LEASE_SECONDS", 60)))
        return cls(settings.public_base_url.rstrip("/"), settings.effective_secret_key(),
                   str(get("HOTLINE_NUMBER", "12345")),
                   str(get("HOTLINE_NAME", "社区服务热线")), policy)


def render(session: Session, key: str, language: str, context: dict) -> str:
    """The admin's template if there is one, else the built-in text, filled in."""
    language = language if language in ("zh", "en") else "zh"
    body = session.scalar(select(NotificationTemplate.body).where(
        NotificationTemplate.key == key, NotificationTemplate.language == language))
    if body is None:
        body = DEFAULTS[key][language]
    values = {name: context.get(name, "") for name in FIELDS}
    return body.format_map(values)


def check_template(body: str) -> None:
    """Refuse placeholders we cannot fill and malformed braces."""
    if not isinstance(body, str) or not body.strip():
        raise ValidationError("template text is required", "body")
    if len(body) > 2000:
        raise ValidationError("template is longer than 2000 characters", "body")
    try:
        parts = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise ValidationError(f"template has a broken brace: {exc}", "body") from None
    for _text, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS or spec or conversion:
            raise ValidationError(f"unknown placeholder {{{name}}}; use one of "
                                  f"{', '.join(sorted(FIELDS))}", "body")


def save_template(session: Session, actor: Actor, key: str, language: str, body: str,
                  now: datetime | None = None) -> NotificationTemplate:
    if actor.role != "admin":
        raise ForbiddenError("only administrators edit message templates")
    if key not in DEFAULTS:
        raise ValidationError(f"unknown template {key!r}", "key")
    if language not in ("zh", "en"):
        raise ValidationError("language must be zh or en", "language")
    check_template(body)
    row = session.scalars(select(NotificationTemplate).where(
        NotificationTemplate.key == key, NotificationTemplate.language == language)).first()
    if row is None:
        row = NotificationTemplate(key=key, language=language, body=body)
        session.add(row)
    row.body, row.updated_by_id, row.updated_at = body, actor.user_id, now or utcnow()
    session.flush()
    return row


def list_templates(session: Session) -> list[dict]:
    saved = {(t.key, t.language): t.body for t in session.scalars(select(NotificationTemplate))}
    return [{"key": k, "language": lang, "body": saved.get((k, lang), texts[lang]),
             "custom": (k, lang) in saved}
            for k, texts in DEFAULTS.items() for lang in ("zh", "en")]


def ticket_context(ticket: Ticket, messaging: Messaging, *, link: str = "") -> dict:
    target = ticket.target_department or ticket.target_provider
    return {"ticket_number": ticket.number, "type": ticket.type,
            "category": ticket.category.name if ticket.category else "",
            "address": ticket.address or (ticket.region.name if ticket.region else ""),
            "region": ticket.region.name if ticket.region else "",
            "description": ticket.description,
            "accept_deadline": local_time(ticket.accept_deadline),
            "complete_deadline": local_time(ticket.complete_deadline),
            "target": target.name if target else "", "link": link,
            "hotline": messaging.hotline, "hotline_name": messaging.hotline_name}


def local_time(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""
