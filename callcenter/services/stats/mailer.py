"""Send a report workbook by SMTP (the settings the dispatch mailer uses: SMTP_HOST …)."""
from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from callcenter.services.exports import MIME


@dataclass(frozen=True)
class SmtpReportMailer:
    host: str
    port: int = 25
    sender: str = "hotline@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env=None) -> "SmtpReportMailer":
        env = os.environ if env is None else env
        if not env.get("SMTP_HOST"):
            raise ValueError("e-mail is not configured: set SMTP_HOST (and SMTP_PORT, SMTP_FROM)")
        return cls(host=env["SMTP_HOST"], port=int(env.get("SMTP_PORT", 25)),
                   sender=env.get("SMTP_FROM", "hotline@localhost"),
                   username=env.get("SMTP_USERNAME") or None, password=env.get("SMTP_PASSWORD") or None,
                   starttls=env.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes"))

    def send(self, to: list[str], subject: str, body: str, filename: str, data: bytes) -> None:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, ", ".join(to), subject
        mail["Date"] = formatdate(localtime=False)
        mail.set_content(body)
        maintype, subtype = MIME["xlsx"].split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mail)
