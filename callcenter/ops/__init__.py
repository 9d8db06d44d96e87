"""Operations: backup and restore, structured logs, exposure checks (no web, no telephony)."""
