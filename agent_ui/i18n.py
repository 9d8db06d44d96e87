"""Chinese-first UI strings with an English option; the choice sticks in the session."""
from __future__ import annotations

from flask import session

LANGUAGES = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {"zh": "社区服务呼叫中心", "en": "Community Service Hotline"},
    "nav.home": {"zh": "首页", "en": "Home"},
    "nav.tickets": {"zh": "工单", "en": "Tickets"},
    "nav.logout": {"zh": "退出", "en": "Log out"},
    "nav.language": {"zh": "English", "en": "中文"},
    "login.title": {"zh": "登录", "en": "Log in"},
    "login.username": {"zh": "用户名", "en": "Username"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.extension": {"zh": "分机号（坐席）", "en": "Extension (agents)"},
    "login.submit": {"zh": "登录", "en": "Log in"},
    "login.failed": {"zh": "用户名或密码错误", "en": "Wrong username or password"},
    "login.locked": {"zh": "登录失败次数过多，请稍后再试", "en": "Too many failed log-ins; try again later"},
    "home.welcome": {"zh": "欢迎，{name}", "en": "Welcome, {name}"},
    "home.role": {"zh": "角色", "en": "Role"},
    "home.region": {"zh": "管辖区域", "en": "Region"},
    "tickets.recent": {"zh": "最近工单", "en": "Recent tickets"},
    "tickets.number": {"zh": "工单号", "en": "Number"},
    "tickets.status": {"zh": "状态", "en": "Status"},
    "tickets.type": {"zh": "类型", "en": "Type"},
    "tickets.category": {"zh": "分类", "en": "Category"},
    "tickets.created": {"zh": "受理时间", "en": "Opened"},
    "tickets.deadline": {"zh": "办结时限", "en": "Due"},
    "tickets.overdue": {"zh": "超期", "en": "Overdue"},
    "tickets.total": {"zh": "共 {n} 条", "en": "{n} in all"},
    "role.agent": {"zh": "话务员", "en": "Agent"},
    "role.supervisor": {"zh": "班长", "en": "Supervisor"},
    "role.merchant": {"zh": "加盟商", "en": "Merchant"},
    "role.department": {"zh": "承办单位", "en": "Department"},
    "role.admin": {"zh": "管理员", "en": "Administrator"},
    "type.consult": {"zh": "咨询", "en": "Consultation"},
    "type.help": {"zh": "求助", "en": "Request for help"},
    "type.complaint": {"zh": "投诉", "en": "Complaint"},
    "type.suggestion": {"zh": "建议", "en": "Suggestion"},
    "type.praise": {"zh": "表扬", "en": "Praise"},
}


def current_language() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "zh"


def translate(key: str, **values) -> str:
    entry = MESSAGES.get(key)
    text = entry.get(current_language(), entry["zh"]) if entry else key
    return text.format(**values) if values else text
