"""Staff accounts as administrators manage them, inside their region subtree."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.domain.tickets import Actor, NotFoundError, ValidationError
from callcenter.models import Region, User
from callcenter.models.users import ROLES
from callcenter.services import audit
from callcenter.services.accounts import AccountError, create_user, hash_password
from callcenter.services.directory import require_admin
from callcenter.services.regions import subtree_clause


@dataclass
class UserInput:
    username: str
    display_name: str
    role: str
    region_id: int
    password: str = ""
    extension: str | None = None
    department_id: int | None = None
    provider_id: int | None = None
    active: bool = True


def list_users(session: Session, actor: Actor) -> list[User]:
    require_admin(actor)
    return list(session.scalars(select(User).join(Region, Region.id == User.region_id)
                                .where(subtree_clause(Region.path, actor.region_path))
                                .order_by(User.username)))


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None or not user.region.path.startswith(actor.region_path):
        raise NotFoundError("user not found")
    return user


def save_user(session: Session, actor: Actor, data: UserInput, user_id: int | None = None) -> User:
    """Create or change an account; a password is set only when given (min. 8 characters)."""
    require_admin(actor)
    region = session.get(Region, data.region_id)
    if region is None or not region.path.startswith(actor.region_path):
        raise ValidationError("unknown region or outside your scope", "region_id")
    _check(data, user_id is None)
    if user_id is None:
        try:
            user = create_user(session, username=data.username.strip(), password=data.password,
                               role=data.role, region=region, display_name=data.display_name)
        except AccountError as exc:
            raise ValidationError(exc.message, "password") from None
    else:
        user = get_user(session, actor, user_id)
        if data.password:
            user.password_hash = hash_password(data.password)
    user.display_name, user.role, user.region = data.display_name or data.username, data.role, region
    user.extension = data.extension or None
    user.department_id = data.department_id if data.role == "department" else None
    user.provider_id = data.provider_id if data.role == "merchant" else None
    user.active = data.active
    session.flush()
    audit.record(session, actor, "save_user", "user", user.id, role=user.role,
                 active=user.active, password_changed=bool(data.password))
    return user


def _check(data: UserInput, creating: bool) -> None:
    if data.role not in ROLES:
        raise ValidationError(f"unknown role; one of {', '.join(ROLES)}", "role")
    if creating and not data.username.strip():
        raise ValidationError("username is required", "username")
    if data.password and len(data.password) < 8:
        raise ValidationError("password must have at least 8 characters", "password")
    if data.role == "department" and not data.department_id:
        raise ValidationError("department staff need a department", "department_id")
    if data.role == "merchant" and not data.provider_id:
        raise ValidationError("merchant staff need a provider", "provider_id")


def region_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Regions in the actor's subtree, indented by depth, for select boxes."""
    rows = session.scalars(select(Region).where(subtree_clause(Region.path, actor.region_path))
                           .order_by(Region.path))
    return [(r.id, "　" * (r.path.count("/") - 2) + r.name) for r in rows]
