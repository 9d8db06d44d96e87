"""Fax files for the tests: the real received TIFF, generated G3/G4 ones, broken ones."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

from public_helpers import FIXTURES

REAL_FAX = FIXTURES / "fax" / "fax_received_2pages.tif"


def fax_event_headers() -> dict[str, str]:
    """The FaxReceived UserEvent exactly as the recorded Asterisk sent it."""
    text = (FIXTURES / "ami" / "fax.ami.txt").read_bytes().decode("utf-8")
    for block in text.split("\r\n\r\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\r\n") if ": " in line)
        if lines.get("UserEvent") == "FaxReceived":
            return lines
    raise AssertionError("no FaxReceived in the fixture")


def generated_tiff(compression: str, pages: int = 3, dpi=(204, 98), height: int = 1100) -> bytes:
    images = []
    for i in range(pages):
        page = Image.new("1", (1728, height), 1)
        ImageDraw.Draw(page).rectangle((100, 100 + i * 50, 600, 200 + i * 50), fill=0)
        images.append(page)
    out = io.BytesIO()
    images[0].save(out, "TIFF", compression=compression, dpi=dpi, save_all=True,
                   append_images=images[1:])
    return out.getvalue()


def truncated(data: bytes) -> bytes:
    """Cut inside the second page: what a dropped fax call leaves behind."""
    return data[: int(len(data) * 0.6)]
