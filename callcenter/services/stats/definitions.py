"""Every figure's name and written definition, shown next to the number (zh first, en option)."""
from __future__ import annotations

FIGURES: dict[str, tuple[str, str, str, str]] = {
    # key: (中文名, English name, 中文定义, English definition)
    "received": ("受理量", "Received", "统计期内受理（创建）的工单数，按上海时间的受理日期计。",
                 "Tickets received (created) in the period, by their Shanghai date."),
    "valid": ("有效工单", "Valid", "受理量减去已撤销的工单。", "Received minus cancelled tickets."),
    "response_rate": ("响应率", "Response rate",
                      "按时响应的工单 ÷ 有效工单。按时响应：承办单位在签收时限内签收，或话务员当场直接办结（未派单）。",
                      "Responded on time ÷ valid tickets. On time: the target signed for it by the "
                      "acceptance deadline, or the hotline resolved it directly without dispatch."),
    "resolution_rate": ("解决率", "Resolution rate", "已办结的工单（含已回访、已归档）÷ 有效工单。",
                        "Resolved tickets (incl. revisited and closed) ÷ valid tickets."),
    "satisfaction_rate": ("满意率", "Satisfaction rate", "回访评价为 4 或 5 分的工单 ÷ 已评价的工单。",
                          "Tickets rated 4 or 5 ÷ tickets rated."),
    "rating_coverage": ("评价覆盖率", "Rating coverage", "已评价的工单 ÷ 已办结的工单。",
                        "Rated tickets ÷ resolved tickets."),
    "on_time_accept_rate": ("按时签收率", "On-time acceptance",
                            "在签收时限（工作日历计算）内签收的工单 ÷（已签收的工单 + 现已超过签收时限仍未签收的工单）。",
                            "Accepted by the deadline (working calendar) ÷ (accepted + still "
                            "waiting past the deadline now)."),
    "on_time_complete_rate": ("按时办结率", "On-time completion",
                              "在办结时限内办结的工单 ÷（已办结的工单 + 现已超期仍未办结的工单）。",
                              "Resolved by the deadline ÷ (resolved + unresolved past the deadline now)."),
    "avg_handle_hours": ("平均办理时长（小时）", "Average handling time (h)",
                         "已办结工单从受理到办结的自然时长之和 ÷ 已办结工单数。",
                         "Sum of wall-clock time from received to resolved ÷ resolved tickets."),
    "returns": ("退单次数", "Returns", "统计期内发生的退单操作次数（按操作日期计，一张工单可多次）。",
                "Return actions taken in the period (by action date; a ticket may count more than once)."),
    "reopens": ("重办次数", "Reopenings", "统计期内发生的重新办理操作次数（按操作日期计）。",
                "Reopen actions taken in the period (by action date)."),
    "open_now": ("在办工单（当前）", "Open now", "当前状态为已受理、已派单、办理中或已退单的工单，不限受理日期。",
                 "Tickets now open, dispatched, accepted or returned, whenever received."),
    "overdue_now": ("超期工单（当前）", "Overdue now", "当前在办且已超过签收时限或办结时限的工单。",
                    "Open tickets now past their acceptance or completion deadline."),
    "escalated_now": ("督办工单（当前）", "Escalated now", "当前在办且已被督办（督办级别 > 0）的工单。",
                      "Open tickets now escalated (level > 0)."),
    "offered": ("呼入量", "Offered", "统计期内呼入热线的电话（按上海时间的呼入日期和小时计，跨午夜的通话计入开始那天）。",
                "Inbound calls that reached the hotline, by the Shanghai date and hour they started "
                "(a call across midnight counts on the day it started)."),
    "answered": ("接通量", "Answered", "由坐席接听的呼入电话。", "Inbound calls answered by an agent."),
    "abandoned": ("放弃量", "Abandoned", "排队或振铃中由来电者挂断的电话。",
                  "Calls the caller hung up while queued or ringing."),
    "abandoned_short": ("短时放弃（≤5 秒）", "Abandoned within 5 s",
                        "等待不超过 5 秒即放弃的电话，单独列出，不视为服务失败。",
                        "Abandoned after waiting 5 s or less, shown apart."),
    "ivr_only": ("仅语音导航", "IVR only", "在语音导航中结束、未进入排队的电话。",
                 "Calls that ended in the IVR without queueing."),
    "service_level": ("服务水平", "Service level", "在阈值（默认 15 秒）内接听的电话 ÷ 呼入量（不含仅语音导航）。",
                      "Answered within the threshold (default 15 s) ÷ offered calls that queued "
                      "(IVR-only calls excluded)."),
    "asa": ("平均应答时长（秒）", "ASA (s)", "接通电话的等待时长之和 ÷ 接通量。",
            "Sum of waiting time of answered calls ÷ answered."),
    "aht": ("平均通话时长（秒）", "AHT (s)", "接通电话的通话时长之和 ÷ 接通量（话后处理单列于坐席统计）。",
            "Sum of talk time ÷ answered (wrap-up is shown per agent)."),
    "max_wait": ("最长等待（秒）", "Longest wait (s)", "统计期内单个电话的最长等待时长。",
                 "The longest wait of a single call in the period."),
}


def label(key: str, lang: str = "zh") -> str:
    entry = FIGURES.get(key)
    if entry is None:
        return key
    return entry[0] if lang == "zh" else entry[1]


def definition(key: str, lang: str = "zh") -> str:
    entry = FIGURES.get(key)
    if entry is None:
        return ""
    return entry[2] if lang == "zh" else entry[3]
