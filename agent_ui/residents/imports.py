"""Import pages: upload → row-by-row preview (nothing written) → confirm → report; undo."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import redirect, render_template, url_for

from agent_ui.residents.common import actor
from agent_ui.residents.forms import ConfirmImportForm, ImportForm, PostForm
from agent_ui.residents.routes import EDITORS, bp
from agent_ui.web import container, db, login_required, transaction
from callcenter.services.resident_files import FileFormatError
from callcenter.services.resident_import import import_residents, recent_imports, undo_import


def _spool() -> Path:
    path = Path(container().settings.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@bp.route("/import", methods=["GET", "POST"])
@login_required(*EDITORS)
def import_page():
    form, report, error = ImportForm(), None, None
    if form.validate_on_submit():
        data, name = form.file.data.read(), form.file.data.filename or "upload"
        token = hashlib.sha256(data).hexdigest()
        (_spool() / f"{token}.bin").write_bytes(data)
        (_spool() / f"{token}.name").write_text(name[-200:], encoding="utf-8")
        report, error = _run(data, name, dry_run=True)
        confirm = ConfirmImportForm(token=token)
    else:
        confirm = None
    return _page(form, report, error, confirm)


@bp.post("/import/confirm")
@login_required(*EDITORS)
def import_confirm():
    confirm = ConfirmImportForm()
    token = confirm.token.data or ""
    spooled = _spool() / f"{token}.bin"
    if not confirm.validate_on_submit() or not token.isalnum() or not spooled.exists():
        return _page(ImportForm(), None, "上传的文件已过期，请重新上传", None, 400)
    name = (_spool() / f"{token}.name").read_text(encoding="utf-8")
    report, error = _run(spooled.read_bytes(), name, dry_run=False)
    spooled.unlink(missing_ok=True)
    return _page(ImportForm(), report, error, None)


def _run(data: bytes, name: str, dry_run: bool):
    me = actor()
    db().rollback()  # SQLite: free the request's lock for the import's own batch transactions
    try:
        return import_residents(container().sessions, me, data, name, dry_run=dry_run), None
    except FileFormatError as exc:
        return None, str(exc)


def _page(form, report, error, confirm, status=None):
    return render_template("residents/import.html", form=form, report=report, error=error,
                           confirm=confirm, history=recent_imports(db()), post_form=PostForm()), \
        status or (400 if error else 200)


@bp.post("/imports/<int:import_id>/undo")
@login_required(*EDITORS)
def import_undo(import_id: int):
    if not PostForm().validate_on_submit():
        return ("bad request", 400)
    with transaction():
        undo_import(db(), actor(), import_id)
    return redirect(url_for("residents.import_page"))
