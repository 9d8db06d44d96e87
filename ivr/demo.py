"""A small in-memory directory for `fastagi --demo`, tests and the benchmark."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.directory import CallerMatch, InMemoryDirectory, TicketInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def demo_directory() -> InMemoryDirectory:
    """Residents and tickets matching the callers of ../shared/fixtures (made-up people)."""
    residents = {
        "+8613800138000": [CallerMatch("r-1", "张三")],
        "+8613602001234": [CallerMatch("r-2", "李奶奶", ("独居老人",))],
        "+8613912345678": [CallerMatch("r-3", "李秀英")],
        "+862087654321": [CallerMatch("r-4", "王建国")],
        "+8613700000001": [CallerMatch("r-5", "John Smith", (), "en")],
        "+8613500000002": [CallerMatch("r-6", "赵六", ("残疾人",), "zh")],
    }
    tickets = {
        "20261127001": TicketInfo(
            "20261127001", "dispatched", {"zh": "已派单，正在处理。", "en": "has been dispatched."},
            datetime(2026, 12, 1, 17, 0, tzinfo=SHANGHAI), ("+8613800138000",)),
        "20261127002": TicketInfo(
            "20261127002", "resolved", {"zh": "已办结。", "en": "is resolved."},
            None, ("+8613999990000",)),
    }
    return InMemoryDirectory(residents=residents, tickets=tickets)
