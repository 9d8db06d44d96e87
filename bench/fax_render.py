"""How long rendering a received fax takes (PNG pages + PDF), against the baseline of
only decoding the same TIFF with Pillow. Bounded: about 20 rounds, a few seconds.

    python bench/fax_render.py
"""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from PIL import Image, ImageSequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FAX = ROOT.parent / "shared" / "fixtures" / "fax" / "fax_received_2pages.tif"

from integrations.fax_in import render  # noqa: E402


def decode_only(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as tiff:
        return sum(1 for frame in ImageSequence.Iterator(tiff) if frame.load() is not None)


def timed(fn, data: bytes, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        fn(data)
    return (time.perf_counter() - start) / rounds


def main(rounds: int = 20) -> None:
    data = FAX.read_bytes()
    render(data)  # warm up
    base = timed(decode_only, data, rounds)
    full = timed(render, data, rounds)
    print(f"decode only (baseline): {base * 1000:8.1f} ms per 2-page fax")
    print(f"render PNG pages + PDF: {full * 1000:8.1f} ms per 2-page fax")
    print(f"ratio render/baseline:  {full / base:8.1f}x")


if __name__ == "__main__":
    main()
