"""Who may use which route: the access matrix of docs/security.md, as data.

Written from what each page is FOR (ARCHITECTURE.md, the issues), not from what the code
does. Each entry maps an endpoint (and method) to a rule:

  PUBLIC            anyone, signed in or not
  ANYONE_SIGNED_IN  every role; anonymous → log-in
  roles(...)        only these roles; other roles → 403 (or 404); anonymous → log-in
  SCOPED            with `scoped=True`: the route acts on one object that lies in district A
                    (street A1). Staff of district B are outside its region → 404
  SIGNED            a machine endpoint checked by a signature / key / code: never 5xx,
                    never a page of personal data to a stranger (403 / 400 / 404 / redirect)
"""
from __future__ import annotations

from dataclasses import dataclass

AGENT, SUPERVISOR, ADMIN = "agent", "supervisor", "admin"
DEPARTMENT, MERCHANT = "department", "merchant"
STAFF = (AGENT, SUPERVISOR, ADMIN)
SUPERVISORS = (SUPERVISOR, ADMIN)


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...] | None   # None: public
    scoped: bool = False            # object in district A: district-B staff get 404
    signed: bool = False            # machine endpoint with its own credential
    note: str = ""


PUBLIC = Rule(None)
SIGNED = Rule(None, signed=True)
ANYONE_SIGNED_IN = Rule((AGENT, SUPERVISOR, ADMIN, DEPARTMENT, MERCHANT))


def roles(*names: str, scoped: bool = False, note: str = "") -> Rule:
    return Rule(tuple(names), scoped=scoped, note=note)


# (endpoint, method) → Rule. A method-less key covers every method of the endpoint.
ACCESS: dict[tuple[str, str | None], Rule] = {
    # sign-in, language, operations
    ("auth.login", None): PUBLIC,
    ("auth.logout", None): Rule(None, signed=True, note="ends any session, then the log-in"),
    ("auth.set_language", None): PUBLIC,
    ("twofactor.verify", None): Rule(None, signed=True, note="log-in when no code is pending"),
    ("ops.healthz", None): PUBLIC,
    ("ops.metrics", None): Rule(None, note="nginx answers it for private networks only"),
    ("main.home", None): ANYONE_SIGNED_IN,
    ("account.totp_page", None): roles(SUPERVISOR, ADMIN),
    ("account.totp_begin", None): roles(SUPERVISOR, ADMIN),
    ("account.totp_confirm", None): roles(SUPERVISOR, ADMIN),
    ("account.totp_disable", None): roles(SUPERVISOR, ADMIN),
    # administration
    **{(f"admin.{e}", None): roles(ADMIN) for e in (
        "index", "audit_log", "department", "provider", "rule_list", "rule", "rule_delete",
        "user_list", "user", "open311_clients", "open311_issue", "open311_revoke")},
    ("audit.index", None): roles(ADMIN),
    ("audit.export", None): roles(ADMIN),
    ("catalog.manage", None): roles(*SUPERVISORS),
    ("catalog.set_active", None): roles(*SUPERVISORS),
    ("catalog.edit", None): roles(*SUPERVISORS),
    ("catalog.upload", None): roles(*SUPERVISORS),
    ("catalog.delete_form", None): roles(*SUPERVISORS),
    ("catalog.new", None): roles(*SUPERVISORS),
    ("community.manage", None): roles(ADMIN, note="admins publish announcements"),
    # tickets over the JSON API
    ("api.tickets_index", "GET"): ANYONE_SIGNED_IN,
    ("api.tickets_create", "POST"): roles(*STAFF),
    ("api.tickets_show", "GET"): roles(*STAFF, scoped=True),
    ("api.tickets_act", "POST"): roles(*STAFF, scoped=True),
    ("api.dispatch_create", "POST"): roles(*STAFF, scoped=True),
    ("api.dispatch_recall", "POST"): roles(*STAFF, scoped=True),
    ("api.revisit_record", "POST"): roles(*STAFF, scoped=True),
    ("api.revisits_due", "GET"): roles(*STAFF),
    ("api.deliveries_index", "GET"): roles(*SUPERVISORS),
    ("api.deliveries_retry", "POST"): roles(*SUPERVISORS),
    ("api.deliveries_switch", "POST"): roles(*SUPERVISORS),
    ("api.extensions_decide", "POST"): roles(*SUPERVISORS),
    ("api.templates_index", "GET"): roles(ADMIN),
    ("api.templates_save", "PUT"): roles(ADMIN),
    **{(f"api.partner_{e}", None): roles(DEPARTMENT, MERCHANT) for e in (
        "jobs", "job", "accept", "extension", "reply", "return")},
    # agent console, recordings, faxes, residents
    **{(f"console.{e}", None): roles(AGENT) for e in (
        "index", "call_action", "catalog", "duplicates", "missed_handled", "pop",
        "new_resident", "revisit", "set_state", "suggest", "file_ticket", "worklist",
        "recording")},
    ("fax.worklist", None): roles(*STAFF),
    ("fax.detail", None): roles(*STAFF),
    ("fax.file", None): roles(*STAFF),
    ("residents.index", None): roles(*STAFF),
    ("residents.show", None): roles(*STAFF, scoped=True),
    ("residents.reveal", None): roles(*STAFF, scoped=True),
    ("residents.new", None): roles(*SUPERVISORS, note="agents add callers from the console"),
    ("residents.edit", None): roles(*SUPERVISORS, scoped=True),
    ("residents.delete", None): roles(*SUPERVISORS),
    ("residents.export", None): roles(*SUPERVISORS),
    ("residents.import_page", None): roles(*SUPERVISORS),
    ("residents.import_confirm", None): roles(*SUPERVISORS),
    ("residents.import_undo", None): roles(*SUPERVISORS),
    ("residents.template", None): roles(*SUPERVISORS),
    # supervisors
    ("wallboard.index", None): roles(*SUPERVISORS),
    ("wallboard.agent_action", None): roles(*SUPERVISORS),
    ("wallboard.spy", None): roles(*SUPERVISORS),
    ("wallboard.tickets", None): roles(*SUPERVISORS),
    ("supervise.failed_deliveries", None): roles(*SUPERVISORS),
    ("supervise.retry", None): roles(*SUPERVISORS),
    ("supervise.switch", None): roles(*SUPERVISORS),
    ("supervise.extensions", None): roles(*SUPERVISORS),
    ("supervise.decide", None): roles(*SUPERVISORS),
    # statistics: every region level reads its own figures (分级查询)
    # (a dashboard per role: agents see the figures of their own region, issue 8)
    **{(f"stats.{e}", None): roles(*STAFF) for e in ("dashboard", "drill", "queries")},
    **{(f"stats.{e}", None): roles(*SUPERVISORS) for e in ("calls", "export_file", "residents")},
    # partners' portals
    **{(f"department_portal.{e}", None): roles(DEPARTMENT) for e in (
        "jobs", "job", "accept", "extension", "reply", "give_back")},
    **{(f"merchant_portal.{e}", None): roles(MERCHANT) for e in (
        "jobs", "job", "accept", "extension", "reply", "give_back")},
    # residents' public side
    ("catalog.index", None): PUBLIC,
    ("catalog.guide", None): PUBLIC,
    ("catalog.form_file", None): PUBLIC,
    ("community.index", None): PUBLIC,
    ("community.page", None): PUBLIC,
    **{(f"hall.{e}", None): PUBLIC for e in (
        "index", "a11y", "done", "guide", "form_file", "submit", "track", "track_code")},
    ("hall.verify", None): SIGNED,
    ("hall.status", None): SIGNED,
    ("hall.rate", None): SIGNED,
    ("rate.rate", None): SIGNED,
    **{(f"open311.{e}", None): PUBLIC for e in (
        "discovery", "requests_index", "request_detail", "services", "service", "token")},
    ("open311.create", None): SIGNED,
    ("twilio_voice.start", None): SIGNED,
    ("twilio_voice.step", None): SIGNED,
    ("twilio_voice.message", None): SIGNED,
    ("twilio_voice.recording", None): SIGNED,
    ("twilio_voice.prompt", None): PUBLIC,
}


def rule_for(endpoint: str, method: str) -> Rule | None:
    return ACCESS.get((endpoint, method)) or ACCESS.get((endpoint, None))
