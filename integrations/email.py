"""E-mail through SMTP. The Message-ID is derived from the delivery's idempotency key, so
a message re-sent after a lost answer can be recognised as the same one."""
from __future__ import annotations

import logging
import os
import smtplib
import socket
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from callcenter.domain.delivery import SendError
from callcenter.services.deliveries import Outgoing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None = None
    port: int = 25
    sender: str = "hotline@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 15.0

    @classmethod
    def from_settings(cls, settings, env=None) -> "SmtpConfig":
        """SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_USERNAME, SMTP_PASSWORD, SMTP_STARTTLS."""
        env = os.environ if env is None else env
        extra = getattr(settings, "extra", {}) or {}

        def get(name, default=None):
            return extra.get(name.lower(), env.get(name, default))

        return cls(host=get("SMTP_HOST") or None, port=int(get("SMTP_PORT", 25)),
                   sender=get("SMTP_FROM", "hotline@localhost"),
                   username=get("SMTP_USERNAME") or None, password=get("SMTP_PASSWORD") or None,
                   starttls=str(get("SMTP_STARTTLS", "")).lower() in ("1", "true", "yes"))


class SmtpEmail:
    def __init__(self, config: SmtpConfig):
        self.config = config

    def send(self, message: Outgoing) -> str:
        cfg = self.config
        if not cfg.host:
            raise SendError("e-mail is not configured (SMTP_HOST)", permanent=True)
        to = message.recipient.get("to")
        if not to or "@" not in to:
            raise SendError(f"not an e-mail address: {to!r}", permanent=True)
        mail = EmailMessage()
        mail["From"], mail["To"] = cfg.sender, to
        mail["Subject"] = message.subject or "工单通知"
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{message.idempotency_key.replace(':', '.')}@callcenter>"
        mail.set_content(message.body)
        log.info("email delivery %s attempt %s", message.delivery_id, message.attempt)
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
                if cfg.starttls:
                    smtp.starttls()
                if cfg.username:
                    smtp.login(cfg.username, cfg.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _m in exc.recipients.values()]
            raise SendError(f"the mail server refused {to}: {codes}",
                            permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise SendError(f"the mail server answered {exc.smtp_code}",
                            permanent=exc.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            raise SendError(f"cannot reach the mail server: {type(exc).__name__}") from None
        return mail["Message-ID"]
