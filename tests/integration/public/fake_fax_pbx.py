"""A PBX that speaks AMI on a real loopback socket for the outgoing-fax channel: banner,
Login, Originate (checks the TIFF it would send), then the events Asterisk sends
after SendFAX: OriginateResponse and the dialplan's UserEvent(FaxSent, …)."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from PIL import Image


class FakeFaxPBX:
    def __init__(self, username: str = "callcenter", secret: str = "s3cret") -> None:
        self.username, self.secret = username, secret
        self.outcome = "success"  # success | busy | failed
        self.originates: list[dict] = []
        self.faxes: list[dict] = []  # what the TIFF looked like when "sent"
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"ami://{self.username}:{self.secret}@127.0.0.1:{self.port}"

    def start(self) -> "FakeFaxPBX":
        self.thread.start()
        self.ready.wait(5)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._server = self.loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _session(self, reader, writer) -> None:
        writer.write(b"Asterisk Call Manager/6.0.0\r\n")
        buffer = b""
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:
                    raw, buffer = buffer.split(b"\r\n\r\n", 1)
                    if not await self._action(_parse(raw), writer):
                        return
        finally:
            writer.close()

    async def _action(self, action: dict, writer) -> bool:
        name, aid = action.get("Action", "").lower(), action.get("ActionID", "")
        if name == "login":
            good = action.get("Username") == self.username and action.get("Secret") == self.secret
            _send(writer, Response="Success" if good else "Error", ActionID=aid,
                  Message="Authentication accepted" if good else "Authentication failed")
        elif name == "originate":
            self.originates.append(action)
            _send(writer, Response="Success", ActionID=aid, Message="Originate successfully queued")
            await asyncio.sleep(0.05)
            self._outcome(action, aid, writer)
        elif name == "logoff":
            _send(writer, Response="Goodbye", ActionID=aid, Message="Thanks for all the fish.")
            return False
        else:
            _send(writer, Response="Success", ActionID=aid, Ping="Pong")
        await writer.drain()
        return True

    def _outcome(self, action: dict, aid: str, writer) -> None:
        variables = dict(v.split("=", 1) for v in action.get("Variable", []))
        if self.outcome == "busy":
            _send(writer, Event="OriginateResponse", ActionID=aid, Response="Failure",
                  Channel=action.get("Channel", ""), Reason="5", Uniqueid="<null>")
            return
        path = Path(variables["CC_FAXFILE"])
        with Image.open(path) as tiff:
            self.faxes.append({"pages": tiff.n_frames, "size": tiff.size,
                               "dpi": tiff.info.get("dpi"), "compression": tiff.info.get("compression")})
            pages = tiff.n_frames
        _send(writer, Event="OriginateResponse", ActionID=aid, Response="Success", Reason="4",
              Channel=action.get("Channel", ""), Uniqueid="1795865163.40")
        ok = self.outcome == "success"
        _send(writer, Event="UserEvent", UserEvent="FaxSent", Tag=variables["CC_FAXTAG"],
              Status="SUCCESS" if ok else "FAILED", Pages=str(pages if ok else 0),
              Error="OK" if ok else "T30_ERR_RX_DCNDATA", Uniqueid="1795865163.40")


def _parse(raw: bytes) -> dict:
    out: dict = {}
    for line in raw.decode("utf-8").split("\r\n"):
        if ": " not in line:
            continue
        key, value = line.split(": ", 1)
        if key == "Variable":
            out.setdefault("Variable", []).append(value)
        else:
            out[key] = value
    return out


def _send(writer, **headers) -> None:
    writer.write(("".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode())
