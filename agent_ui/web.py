"""Request plumbing shared by the blueprints: the unit of work and the signed-in user."""
from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from flask import current_app, g, redirect, request, session, url_for
from sqlalchemy.orm import Session

from callcenter.bootstrap import Container
from callcenter.models import User


def container() -> Container:
    return current_app.extensions["callcenter"]


def db() -> Session:
    """One session per request; services open the transaction they need."""
    if "db" not in g:
        g.db = container().sessions()
    return g.db


@contextmanager
def transaction():
    """Commit the request's session at the end of the block, roll back on error."""
    session = db()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def current_user() -> User | None:
    if "user" not in g:
        user_id = session.get("user_id")
        user = db().get(User, user_id) if user_id else None
        g.user = user if user is not None and user.active else None
    return g.user


def login_required(*roles: str):
    """Redirect anonymous users to log in; answer 403 to users of another role."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and user.role not in roles:
                return ("forbidden", 403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
