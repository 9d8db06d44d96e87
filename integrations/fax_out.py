"""Outgoing faxes: the dispatch channel `fax`. Renders the dispatch sheet to a fax TIFF,
asks Asterisk over AMI to call the department's fax machine and run SendFAX, waits for
the dialplan's result event, and reports it as the dispatch engine's Sender protocol
wants: a reference string on success, SendError (retried) on failure.

Dialplan (docs/public.md): Originate connects the called fax machine to `fax-out,s,1`,
which runs `SendFAX(${CC_FAXFILE})`; its `h` extension sends
`UserEvent(FaxSent,Tag: ${CC_FAXTAG},Status: ${FAXSTATUS},Pages: ${FAXPAGES},Error: ${FAXERROR})`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from callcenter.domain.delivery import SendError
from callcenter.domain.phones import national, try_normalize
from callcenter.models import Delivery, User
from callcenter.services.deliveries import Outgoing
from callcenter.services.notifications import local_time
from integrations.ami.client import AMIConfig, AMIConnection, AMIError, parse_ami_url
from integrations.fax_sheet import DispatchSheet, FontMissingError, sheet_tiff

log = logging.getLogger(__name__)
TYPE_WORDS = {"help": "求助", "consult": "咨询", "complaint": "投诉", "suggestion": "建议",
              "praise": "表扬"}
# OriginateResponse `Reason` (Asterisk's AST_CONTROL_*): why the far end never answered.
ORIGINATE_REASONS = {"0": "号码无效或线路不可用", "1": "对方挂断", "3": "无人应答",
                     "5": "对方忙", "8": "线路拥塞"}


@dataclass(frozen=True)
class FaxResult:
    status: str  # FAXSTATUS: SUCCESS | FAILED (or NOANSWER/BUSY… from Originate)
    pages: int
    error: str = ""


@dataclass(frozen=True)
class FaxOutConfig:
    ami: AMIConfig
    spool: str  # where we write the TIFFs
    pbx_spool: str  # the same folder as Asterisk sees it
    dial: str = "PJSIP/{number}@trunk"
    context: str = "fax-out"
    caller_id: str = ""
    ring_seconds: int = 45
    result_timeout: float = 300.0
    compression: str = "group3"


class FaxSender:
    """The `fax` entry of the dispatch engine's senders: `senders["fax"] = FaxSender(...)`."""

    def __init__(self, config: FaxOutConfig, sessions: sessionmaker[Session] | None = None,
                 hotline: str = "12345", hotline_name: str = "社区服务热线") -> None:
        self.config, self.sessions = config, sessions
        self.hotline, self.hotline_name = hotline, hotline_name

    @classmethod
    def from_settings(cls, settings, sessions: sessionmaker[Session] | None = None,
                      env=os.environ) -> "FaxSender":
        """AMI_URL, FAX_SPOOL (+/out), FAX_PBX_SPOOL, FAX_DIAL, FAX_CONTEXT, FAX_CALLER_ID."""
        if not settings.ami_url:
            raise ValueError("the fax channel needs AMI_URL")
        spool = str(Path(settings.fax_spool) / "out")
        config = FaxOutConfig(
            ami=parse_ami_url(settings.ami_url), spool=spool,
            pbx_spool=env.get("FAX_PBX_SPOOL", spool),
            dial=env.get("FAX_DIAL", FaxOutConfig.dial),
            context=env.get("FAX_CONTEXT", FaxOutConfig.context),
            caller_id=env.get("FAX_CALLER_ID", ""),
            result_timeout=float(env.get("FAX_RESULT_TIMEOUT", FaxOutConfig.result_timeout)))
        return cls(config, sessions, env.get("HOTLINE_NUMBER", "12345"),
                   env.get("HOTLINE_NAME", "社区服务热线"))

    def send(self, message: Outgoing) -> str:
        """Send the sheet; return "FAXSTATUS=SUCCESS pages=N" or raise SendError."""
        number = try_normalize(str(message.recipient.get("to") or ""))
        if number is None:
            raise SendError(f"no valid fax number in {message.recipient!r}", permanent=True)
        try:
            tiff = sheet_tiff(self.sheet_for(message), self.config.compression)
        except FontMissingError as exc:
            raise SendError(str(exc), permanent=True) from None
        name = f"dispatch-d{message.delivery_id}.tif"
        Path(self.config.spool).mkdir(parents=True, exist_ok=True)
        tmp = Path(self.config.spool) / f".{name}.part"
        tmp.write_bytes(tiff)
        tmp.replace(Path(self.config.spool) / name)
        tag = f"cc-fax-d{message.delivery_id}-a{message.attempt}"
        try:
            result = asyncio.run(self.originate(national(number), f"{self.config.pbx_spool}/{name}", tag))
        except (AMIError, OSError, asyncio.TimeoutError) as exc:
            raise SendError(f"PBX unreachable or refused the fax: {type(exc).__name__}: {exc}") from None
        log.info("fax delivery %s attempt %s: %s pages=%s", message.delivery_id, message.attempt,
                 result.status, result.pages)
        if result.status != "SUCCESS":
            raise SendError(f"FAXSTATUS={result.status} pages={result.pages} FAXERROR={result.error}")
        return f"FAXSTATUS=SUCCESS pages={result.pages}"

    async def originate(self, number: str, pbx_file: str, tag: str) -> FaxResult:
        """One AMI session: Originate, then wait for our FaxSent or a failed OriginateResponse."""
        cfg = self.config
        inbox: asyncio.Queue = asyncio.Queue(maxsize=cfg.ami.queue_size)
        conn = AMIConnection(cfg.ami, inbox)
        await conn.open()
        try:
            action = {"Action": "Originate", "Channel": cfg.dial.format(number=number),
                      "Context": cfg.context, "Exten": "s", "Priority": "1",
                      "Timeout": str(cfg.ring_seconds * 1000), "Async": "true",
                      "Variable": [f"CC_FAXFILE={pbx_file}", f"CC_FAXTAG={tag}"]}
            if cfg.caller_id:
                action["CallerID"] = cfg.caller_id
            reply = await conn.send(action)
            return await asyncio.wait_for(_result(inbox, reply.get("ActionID", ""), tag),
                                          cfg.result_timeout)
        except asyncio.TimeoutError:
            return FaxResult("FAILED", 0, f"no result from the PBX within {cfg.result_timeout:g}s")
        finally:
            await conn.close("fax done")

    def sheet_for(self, message: Outgoing) -> DispatchSheet:
        """The sheet from the delivery's fixed body, plus the target's and agent's names."""
        try:
            body = json.loads(message.body or "{}")
        except ValueError:
            body = {"description": message.body}
        target, agent = self._names(message.delivery_id)
        return DispatchSheet(
            ticket_number=str(body.get("ticket_number") or ""), category=body.get("category") or "",
            ticket_type=TYPE_WORDS.get(body.get("type"), body.get("type") or ""),
            priority=body.get("priority") or "normal", target=target,
            address=body.get("address") or "", region=body.get("region") or "",
            description=body.get("description") or "",
            accept_deadline=_local(body.get("accept_deadline")),
            deadline=_local(body.get("deadline")), dispatched_at=_local(body.get("dispatched_at")),
            agent=agent, hotline_name=self.hotline_name, hotline=self.hotline)

    def _names(self, delivery_id: int) -> tuple[str, str]:
        if self.sessions is None:
            return "", ""
        with self.sessions() as s:
            row = s.get(Delivery, delivery_id)
            if row is None or row.dispatch is None:
                return "", ""
            target = row.dispatch.target
            agent = row.dispatch.created_by_id and s.get(User, row.dispatch.created_by_id)
            return (target.name if target else "", agent.display_name if agent else "")


async def _result(inbox: asyncio.Queue, action_id: str, tag: str) -> FaxResult:
    while True:
        _kind, headers, *_ = await inbox.get()
        event = headers.get("Event")
        if event == "OriginateResponse" and headers.get("ActionID") == action_id \
                and headers.get("Response") == "Failure":
            reason = headers.get("Reason", "")
            return FaxResult("FAILED", 0, ORIGINATE_REASONS.get(reason, f"呼叫失败（Reason {reason}）"))
        if event == "UserEvent" and headers.get("UserEvent") == "FaxSent" and headers.get("Tag") == tag:
            pages = (headers.get("Pages") or "0").strip()
            return FaxResult((headers.get("Status") or "FAILED").strip().upper(),
                             int(pages) if pages.isdigit() else 0, (headers.get("Error") or "").strip())


def _local(iso: str | None) -> str:
    try:
        return local_time(datetime.fromisoformat(iso)) if iso else ""
    except ValueError:
        return iso or ""
