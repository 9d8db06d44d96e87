"""The dispatch sheet (派单单) as a fax: Chinese text drawn with an embedded CJK font on
1728-pixel-wide, 204×196 dpi bilevel pages, saved as a Group 3 (or 4) multi-page TIFF,
which is what Asterisk's SendFAX (spandsp) transmits.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1728
HEIGHT = 2292  # A4 (297 mm) at 196 lines per inch
DPI = (204, 196)
MARGIN = 110
LABEL = 250  # width of the label column
FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


class FontMissingError(RuntimeError):
    code = "fax_font_missing"


@dataclass(frozen=True)
class DispatchSheet:
    ticket_number: str
    category: str
    ticket_type: str
    priority: str
    target: str
    address: str
    region: str
    description: str
    accept_deadline: str
    deadline: str
    dispatched_at: str
    agent: str
    hotline_name: str = "社区服务热线"
    hotline: str = "12345"

    def rows(self) -> list[tuple[str, str]]:
        return [("工单编号", self.ticket_number), ("承办单位", self.target),
                ("诉求类型", self.ticket_type), ("业务分类", self.category or "—"),
                ("紧急程度", "紧急" if self.priority == "urgent" else "一般"),
                ("所属区域", self.region or "—"), ("事发地址", self.address or "—"),
                ("派单时间", self.dispatched_at or "—"), ("签收时限", self.accept_deadline or "—"),
                ("办结时限", self.deadline or "—"), ("派单坐席", self.agent or "—")]


def font_path() -> str:
    """FAX_FONT, else the first installed CJK font (Debian: fonts-wqy-microhei)."""
    for candidate in (os.environ.get("FAX_FONT"), *FONT_PATHS):
        if candidate and Path(candidate).is_file():
            return candidate
    raise FontMissingError("no Chinese font for fax sheets: install fonts-wqy-microhei "
                           "or set FAX_FONT to a .ttf/.ttc file")


def render_pages(sheet: DispatchSheet) -> list[Image.Image]:
    """Lay the sheet out on as many A4 pages as the request's text needs."""
    path = font_path()
    title, body, small = (ImageFont.truetype(path, size) for size in (72, 44, 34))
    # (label, text, font, gap below): labels sit in a column, texts wrap beside them
    lines = [("", f"{sheet.hotline_name} · 派单通知", title, 40)]
    for label, value in sheet.rows():
        for i, part in enumerate(wrap(value, body, WIDTH - 2 * MARGIN - LABEL)):
            lines.append((label + "：" if i == 0 else "", part, body, 12))
    lines.append(("诉求内容：", "", body, 12))
    for paragraph in (sheet.description or "—").splitlines() or ["—"]:
        lines += [("", part, body, 10) for part in wrap(paragraph, body, WIDTH - 2 * MARGIN)]
    lines.append(("", f"请及时签收办理。咨询电话：{sheet.hotline}", small, 30))
    return _paginate(lines, small, sheet.ticket_number)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break by width, character by character: Chinese has no spaces to break at."""
    out, line = [], ""
    for char in (text or "").replace("\t", " "):
        if font.getlength(line + char) > width and line:
            out.append(line)
            line = ""
        line += char
    return out + [line] if line or not out else out


def _paginate(lines, small, number: str) -> list[Image.Image]:
    pages: list[Image.Image] = []
    draw, y = None, HEIGHT
    for label, text, font, gap in lines:
        if y + font.size + gap > HEIGHT - MARGIN - 60:
            pages.append(Image.new("L", (WIDTH, HEIGHT), 255))
            draw, y = ImageDraw.Draw(pages[-1]), MARGIN
        if label:
            draw.text((MARGIN, y), label, font=font, fill=0)
        draw.text((MARGIN + (LABEL if label and text else 0), y), text, font=font, fill=0)
        y += font.size + gap
    for index, img in enumerate(pages, 1):
        ImageDraw.Draw(img).text((MARGIN, HEIGHT - MARGIN), f"工单 {number}  第{index}/{len(pages)}页",
                                 font=small, fill=0)
    # Threshold the anti-aliased text: a fax page is black and white.
    return [p.point(lambda v: 255 if v > 140 else 0).convert("1") for p in pages]


def to_tiff(pages: list[Image.Image], compression: str = "group3") -> bytes:
    """Multi-page fax TIFF: bilevel, 1728 wide, 204×196 dpi, CCITT Group 3 or 4."""
    if compression not in ("group3", "group4"):
        raise ValueError("fax TIFFs use group3 or group4 compression")
    out = io.BytesIO()
    pages[0].save(out, "TIFF", compression=compression, dpi=DPI, save_all=True,
                  append_images=pages[1:])
    return out.getvalue()


def sheet_tiff(sheet: DispatchSheet, compression: str = "group3") -> bytes:
    return to_tiff(render_pages(sheet), compression)
