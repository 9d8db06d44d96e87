"""All models, imported so that Base.metadata knows every table (Alembic reads it)."""
from callcenter.models.base import Base  # noqa: F401
from callcenter.models.org import Category, Department, Provider  # noqa: F401
from callcenter.models.regions import Region  # noqa: F401
from callcenter.models.residents import Resident, ResidentPhone, ResidentTag  # noqa: F401
from callcenter.models.tickets import Attachment, Ticket, TicketCounter, TicketEvent  # noqa: F401
from callcenter.models.users import ApiToken, User  # noqa: F401
from callcenter.models.audit import AuditEntry  # noqa: F401
from callcenter.models.catalog import ServiceForm, ServiceItem  # noqa: F401
from callcenter.models.resident_imports import ResidentImport, ResidentImportChange  # noqa: F401
from callcenter.models.routing import RoutingRule  # noqa: F401
from callcenter.models.dispatch import (  # noqa: F401
    Delivery, Dispatch, ExtensionRequest, NotificationTemplate, OutboxMessage, Revisit)
from callcenter.models import calls  # noqa: F401
from callcenter.models.public import (  # noqa: F401
    Announcement, FaxMessage, HallDraft, OfficeInfo, Open311Client, Open311Request, VerificationCode)
from callcenter.models.stats import (  # noqa: F401
    CallHour, RegionRollup, ReportSchedule, SavedQuery, TicketActionCount, TicketDimension,
    TicketOpenStock, TicketPeriod)
from callcenter.models.security import UserTotp  # noqa: F401
