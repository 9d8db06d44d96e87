"""UI strings of the security and audit pages, added to agent_ui.i18n at start-up."""
from __future__ import annotations

from agent_ui import i18n

MESSAGES: dict[str, dict[str, str]] = {
    "totp.title": {"zh": "两步验证", "en": "Two-step verification"},
    "totp.on": {"zh": "已开启：登录时需输入验证器中的 6 位动态码。",
                "en": "On: log-in asks for the 6-digit code from your authenticator app."},
    "totp.off": {"zh": "未开启。管理员和班长可开启，以保护居民信息。",
                 "en": "Off. Admins and supervisors may turn it on to protect residents' data."},
    "totp.start": {"zh": "开启两步验证", "en": "Turn on"},
    "totp.scan": {"zh": "在验证器应用中添加以下密钥，然后输入显示的 6 位动态码：",
                  "en": "Add this key to your authenticator app, then enter the 6-digit code:"},
    "totp.code": {"zh": "动态码", "en": "Code"},
    "totp.confirm": {"zh": "确认", "en": "Confirm"},
    "totp.disable": {"zh": "关闭两步验证", "en": "Turn off"},
    "totp.wrong": {"zh": "动态码错误或已使用，请输入新的动态码", "en": "Wrong or used code"},
    "totp.verify": {"zh": "请输入验证器中的 6 位动态码", "en": "Enter the 6-digit code"},
    "totp.not_allowed": {"zh": "仅管理员和班长可开启两步验证",
                         "en": "Only admins and supervisors can turn this on"},
    "audit.title": {"zh": "审计日志", "en": "Audit log"},
    "audit.export": {"zh": "导出 CSV", "en": "Export CSV"},
    "audit.filter": {"zh": "筛选", "en": "Filter"},
    "audit.at": {"zh": "时间", "en": "Time"},
    "audit.user": {"zh": "用户", "en": "User"},
    "audit.action": {"zh": "操作", "en": "Action"},
    "audit.record": {"zh": "对象", "en": "Record"},
    "audit.detail": {"zh": "详情", "en": "Detail"},
    "audit.since": {"zh": "起始日期", "en": "From"},
    "audit.until": {"zh": "截止日期", "en": "To"},
    "audit.next": {"zh": "下一页", "en": "Next page"},
    "audit.bad_filter": {"zh": "筛选条件有误：{field}", "en": "Invalid filter: {field}"},
}


def install() -> None:
    i18n.MESSAGES.update(MESSAGES)
