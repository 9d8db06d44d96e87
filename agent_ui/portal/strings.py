"""Portal wording, Chinese first with English; the language follows the session's choice."""
from __future__ import annotations

from agent_ui.i18n import current_language

TEXT: dict[str, tuple[str, str]] = {
    "m.title": ("我的工单", "My jobs"),
    "d.title": ("承办工单", "Assigned tickets"),
    "bucket.new": ("待签收", "New"), "bucket.accepted": ("办理中", "In progress"),
    "bucket.due_soon": ("即将到期", "Due soon"), "bucket.overdue": ("已超期", "Overdue"),
    "bucket.returned": ("已退回", "Returned"), "bucket.done": ("已办结", "Done"),
    "bucket.all": ("全部", "All"),
    "empty": ("暂无工单", "Nothing here"),
    "number": ("工单号", "Ticket"), "type": ("类型", "Type"), "category": ("分类", "Category"),
    "address": ("服务地址", "Address"), "phone": ("联系电话", "Phone"),
    "description": ("诉求内容", "Request"), "status": ("状态", "Status"),
    "accept_by": ("签收时限", "Accept by"), "complete_by": ("办结时限", "Complete by"),
    "overdue": ("超期", "Overdue"), "notices": ("提醒", "Notices"),
    "accept.m": ("接单", "Accept"), "accept.d": ("签收", "Sign for"),
    "decline.m": ("拒单", "Decline"), "return.d": ("退单", "Return"),
    "reason": ("原因", "Reason"), "basis": ("依据（法规、职责文件等）", "Basis (rule, remit)"),
    "done.m": ("完工", "Mark done"), "reply.d": ("办结回复", "Reply with the result"),
    "result": ("处理结果", "Result"), "photos": ("现场照片", "Photos"),
    "files": ("附件（照片或PDF）", "Attachments (photos or PDF)"),
    "extension": ("申请延期", "Request an extension"),
    "new_deadline": ("申请的办结日期", "New completion date"),
    "submit": ("提交", "Submit"), "back": ("返回列表", "Back to the list"),
    "saved": ("已提交", "Saved"), "error": ("操作未完成", "Not done"),
    "not_found": ("工单不存在或不属于您", "No such ticket in your list"),
    "pending_extension": ("延期申请审批中", "Extension request waiting for a decision"),
    "s.deliveries": ("发送失败的派单", "Failed deliveries"),
    "s.extensions": ("延期申请", "Extension requests"),
    "channel": ("渠道", "Channel"), "attempts": ("尝试次数", "Attempts"),
    "last_error": ("错误", "Error"), "retry": ("重发", "Retry"),
    "switch": ("改用渠道", "Switch to"), "requested": ("申请日期", "Requested date"),
    "current": ("原时限", "Current deadline"), "approve": ("批准", "Approve"),
    "refuse": ("不批准", "Refuse"), "note": ("意见", "Note"), "target": ("承办方", "Handled by"),
    "rate.title": ("服务评价", "Rate our service"),
    "rate.ask": ("请为工单 {number} 的办理打分（1–5分）", "Please rate ticket {number} (1–5)"),
    "rate.thanks": ("感谢您的评价！", "Thank you for your rating!"),
    "rate.done": ("该工单已评价或尚未办结", "This ticket is already rated or not resolved"),
    "rate.bad": ("链接无效", "This link is not valid"),
    "score.1": ("非常不满意", "Very unsatisfied"), "score.2": ("不满意", "Unsatisfied"),
    "score.3": ("一般", "Neutral"), "score.4": ("满意", "Satisfied"),
    "score.5": ("非常满意", "Very satisfied"),
}


def t(key: str, **values) -> str:
    pair = TEXT.get(key)
    text = (pair[1] if current_language() == "en" else pair[0]) if pair else key
    return text.format(**values) if values else text
