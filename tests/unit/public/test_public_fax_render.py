"""Fax rendering rules, no database: aspect correction, broken input, sheet layout."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

from integrations.fax_in import render
from integrations.fax_sheet import DispatchSheet, HEIGHT, render_pages, to_tiff, wrap, font_path
from PIL import ImageFont


def _tiff(dpi, height=200, compression="group4") -> bytes:
    page = Image.new("1", (1728, height), 1)
    ImageDraw.Draw(page).line((0, 0, 1727, height - 1), fill=0)
    out = io.BytesIO()
    page.save(out, "TIFF", compression=compression, dpi=dpi)
    return out.getvalue()


def test_fine_and_standard_pages_come_out_with_square_pixels():
    fine, standard = render(_tiff((204, 196))), render(_tiff((204, 98)))
    assert Image.open(io.BytesIO(fine.pages_png[0])).size == (1728, round(200 * 204 / 196))
    assert Image.open(io.BytesIO(standard.pages_png[0])).size == (1728, round(200 * 204 / 98))


def test_empty_and_foreign_files_give_an_error_and_no_pages():
    assert render(b"").error == "文件为空"
    assert render(b"GIF89a...").error == "不是TIFF传真文件"
    broken = render(b"II*\x00" + b"\xff" * 64)
    assert broken.pages_png == [] and "无法读取" in broken.error and broken.pdf is None


def test_chinese_text_wraps_by_width():
    font = ImageFont.truetype(font_path(), 44)
    lines = wrap("楼上漏水" * 40, font, 1500)
    assert len(lines) > 1 and all(font.getlength(line) <= 1500 for line in lines)
    assert "".join(lines) == "楼上漏水" * 40


def test_a_long_request_spills_onto_more_fax_pages_of_the_fax_size():
    sheet = DispatchSheet("20261128-000001", "水电维修", "求助", "normal", "民政局", "北京路1号",
                          "北京路街道", "漏水。" * 400, "", "", "", "张三")
    pages = render_pages(sheet)
    assert len(pages) >= 2 and all(p.size == (1728, HEIGHT) and p.mode == "1" for p in pages)
    with Image.open(io.BytesIO(to_tiff(pages, "group4"))) as tiff:
        assert tiff.n_frames == len(pages) and tiff.info["compression"] == "group4"
