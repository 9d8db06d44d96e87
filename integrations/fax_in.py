"""Incoming faxes: read the TIFF (Group 3/4, any page count, 204×98 or 204×196), render
PNG pages and one PDF with Pillow, and open the fax's ticket. A file that cannot be read
still opens a ticket with the raw file and the error: nothing received is dropped.

Three ways in, one processing (`receive_file`):
- the AMI bridge's `call.ended` event whose record carries `fax` (the dialplan's
  `UserEvent(FaxReceived, File…, Pages…, RemoteStationID…, CallerID…)`): `on_event`;
- the raw UserEvent headers: `on_fax_received`;
- a folder (`FAX_INBOX`) a fax server such as HylaFAX drops files into: `scan_inbox`.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from PIL import Image, ImageSequence

from callcenter.bootstrap import Container
from callcenter.services.fax import ReceivedFax, receive_fax

log = logging.getLogger(__name__)
MAX_PAGES = 200
MAX_PIXELS = 1728 * 2400 * 4  # a long fax page is fine; a decompression bomb is not
TIFF_MAGIC = (b"II*\x00", b"MM\x00*")


@dataclass(frozen=True)
class RenderedFax:
    pages_png: list[bytes]
    pdf: bytes | None
    resolution: str
    error: str


def render(data: bytes) -> RenderedFax:
    """Every readable page as a PNG with square pixels, plus one PDF; `error` says what failed."""
    if not data:
        return RenderedFax([], None, "", "文件为空")
    if data[:4] not in TIFF_MAGIC:
        return RenderedFax([], None, "", "不是TIFF传真文件")
    pages, resolution, error = [], "", ""
    # Pillow warns about damaged tags; record them with the error instead of printing them.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with Image.open(io.BytesIO(data)) as tiff:
                for index, frame in enumerate(ImageSequence.Iterator(tiff)):
                    if index >= MAX_PAGES:
                        error = f"超过{MAX_PAGES}页，其余页未读取"
                        break
                    page, resolution = _square(frame)
                    pages.append(page)
        except Exception as exc:  # noqa: BLE001 - any decoder failure is reported, never raised
            where = f"第{len(pages) + 1}页" if pages else "文件"
            error = f"{where}无法读取（{type(exc).__name__}: {exc}）"
    notes = sorted({str(w.message) for w in caught})
    if notes:
        error = "；".join(filter(None, [error, "文件有损坏：" + " ".join(notes)]))[:2000]
    pngs = [_png(p) for p in pages]
    pdf = _pdf(pages) if pages else None
    return RenderedFax(pngs, pdf, resolution, error)


def _square(frame: Image.Image) -> tuple[Image.Image, str]:
    """Stretch rows so a pixel is as tall as it is wide (204×98 pages are twice as tall)."""
    if frame.width * frame.height > MAX_PIXELS:
        raise ValueError(f"page of {frame.width}×{frame.height} pixels is too large")
    frame.load()
    xdpi, ydpi = _dpi(frame)
    image = frame.convert("1") if frame.mode != "1" else frame.copy()
    if ydpi and xdpi and abs(xdpi / ydpi - 1) > 0.02:
        height = round(image.height * xdpi / ydpi)
        image = image.resize((image.width, height), Image.Resampling.NEAREST)
    image.info["dpi"] = (xdpi, xdpi)
    return image, f"{xdpi:g}x{ydpi:g}"


def _dpi(frame: Image.Image) -> tuple[float, float]:
    x, y = frame.info.get("dpi") or (204.0, 196.0)
    if frame.info.get("resolution_unit") == 3 or getattr(frame, "tag_v2", {}).get(296) == 3:
        x, y = x * 2.54, y * 2.54  # per centimetre
    return float(x or 204.0), float(y or x or 196.0)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    dpi = image.info.get("dpi", (204, 204))
    image.save(out, "PNG", dpi=(round(dpi[0]), round(dpi[1])))
    return out.getvalue()


def _pdf(pages: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    dpi = pages[0].info.get("dpi", (204, 204))[0]
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return out.getvalue()


def receive_file(container: Container, data: bytes | None, *, source: str, source_key: str,
                 raw_name: str, caller_id: str = "", station_id: str = "",
                 pages_reported: int | None = None, missing: str = "") -> str | None:
    """Render and file one fax; return the new ticket's number (None if filed before)."""
    data = data or b""
    shown = render(data) if data else RenderedFax([], None, "", missing or "文件为空")
    error = shown.error
    if pages_reported and shown.pages_png and pages_reported != len(shown.pages_png):
        error = "；".join(filter(None, [error, f"对方报告{pages_reported}页，实际读到{len(shown.pages_png)}页"]))
    fax = ReceivedFax(source=source, source_key=source_key, raw=data, raw_name=raw_name,
                      caller_id=caller_id.strip(), remote_station_id=station_id.strip(),
                      pages_reported=pages_reported, pages_png=shown.pages_png, pdf=shown.pdf,
                      resolution=shown.resolution, error=error)
    with container.sessions.begin() as session:
        ticket = receive_fax(session, fax, container.settings.instance_path, events=container.events)
        number = ticket.number if ticket is not None else None
    log.info("fax %s from %s filed as ticket %s (%d pages, error=%s)", source_key,
             source, number, len(shown.pages_png), bool(error))
    return number


def spool_path(container: Container, file: str) -> Path:
    """The PBX's path if we can read it, else the same name in our FAX_SPOOL (shared mount)."""
    path = Path(file)
    if path.is_file():
        return path
    return Path(container.settings.fax_spool) / path.name


def on_fax_received(container: Container, headers: Mapping[str, str]) -> str | None:
    """Handle the dialplan's FaxReceived UserEvent headers (ARCHITECTURE.md §5)."""
    file = (headers.get("File") or "").strip()
    pages = (headers.get("Pages") or "").strip()
    path = spool_path(container, file) if file else None
    data = path.read_bytes() if path is not None and path.is_file() else None
    key = headers.get("Linkedid") or headers.get("Uniqueid") or file or _digest(data)
    return receive_file(container, data, source="ami", source_key=f"ami:{key}",
                        raw_name=Path(file).name or "fax.tif",
                        caller_id=headers.get("CallerID") or headers.get("CallerIDNum") or "",
                        station_id=headers.get("RemoteStationID") or "",
                        pages_reported=int(pages) if pages.isdigit() else None,
                        missing=f"找不到传真文件 {file or '（事件未给出文件名）'}")


def on_event(container: Container, name: str, payload: dict[str, Any], room: str | None = None) -> None:
    """Subscriber for the event bus: a `call.ended` whose record carries `fax`."""
    fax = payload.get("fax") if name == "call.ended" else None
    if not fax:
        return
    on_fax_received(container, {
        "File": fax.get("file") or "", "Pages": str(fax.get("pages") or ""),
        "RemoteStationID": fax.get("remote_station_id") or "",
        "CallerID": payload.get("caller_number") or "", "Linkedid": payload.get("linkedid") or ""})


def scan_inbox(container: Container, inbox: str | Path, *, settle_seconds: float = 2.0) -> list[str]:
    """File every settled file in the inbox, then move it to inbox/done/ (or failed/)."""
    inbox = Path(inbox)
    numbers = []
    for path in sorted(p for p in inbox.iterdir() if _ready(p, settle_seconds)):
        data = path.read_bytes()
        meta = _sidecar(path)
        try:
            number = receive_file(container, data, source="inbox", raw_name=path.name,
                                  source_key=f"inbox:{path.name}:{_digest(data)}",
                                  caller_id=str(meta.get("caller_id") or ""),
                                  station_id=str(meta.get("station_id") or ""),
                                  pages_reported=meta.get("pages"))
        except Exception:
            log.exception("fax inbox file %s could not be filed; left for the next scan", path.name)
            continue
        _move(path, inbox / "done")
        if number:
            numbers.append(number)
    return numbers


def watch_inbox(container: Container, inbox: str | Path, interval: float = 5.0,
                stop=lambda: False) -> None:
    """Scan the inbox every `interval` seconds until `stop()` says so."""
    Path(inbox).mkdir(parents=True, exist_ok=True)
    while not stop():
        scan_inbox(container, inbox)
        time.sleep(interval)


def _ready(path: Path, settle: float) -> bool:
    """A regular, visible, non-sidecar file nobody wrote to for `settle` seconds."""
    if not path.is_file() or path.name.startswith(".") or path.suffix in (".json", ".part", ".tmp"):
        return False
    return time.time() - path.stat().st_mtime >= settle


def _sidecar(path: Path) -> dict:
    """Optional `<file>.json` with caller_id, station_id, pages (e.g. from HylaFAX's faxrcvd)."""
    side = path.with_name(path.name + ".json")
    if not side.is_file():
        return {}
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        log.warning("fax sidecar %s is not JSON; ignored", side.name)
        return {}
    pages = meta.get("pages") if isinstance(meta, dict) else None
    return dict(meta, pages=pages if isinstance(pages, int) else None) if isinstance(meta, dict) else {}


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for item in (path, path.with_name(path.name + ".json")):
        if item.exists():
            item.replace(folder / item.name)


def _digest(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()[:32]
